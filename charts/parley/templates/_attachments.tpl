{{/*
Attachments on S3 (docs/adr/0011-attachments.md) for the gateway pods and the setup Job (which
creates the bucket): settings as env, the access key pair from an existing Secret (the chart never
renders a credential). Without attachments.s3.existingSecret nothing is set and attachments are off
(every attachment request answers 503; everything else works).
*/}}
{{- define "parley.attachmentsEnv" -}}
{{- $s := .Values.attachments.s3 }}
{{- if $s.existingSecret }}
{{- if not $s.endpoint }}
{{- fail "attachments.s3.existingSecret needs attachments.s3.endpoint (the S3 API the gateways call)" }}
{{- end }}
- name: PARLEY_S3_ENDPOINT
  value: {{ $s.endpoint | quote }}
{{- with $s.publicEndpoint }}
- name: PARLEY_S3_PUBLIC_ENDPOINT
  value: {{ . | quote }}
{{- end }}
- name: PARLEY_S3_REGION
  value: {{ $s.region | quote }}
- name: PARLEY_S3_BUCKET
  value: {{ $s.bucket | quote }}
- name: PARLEY_S3_FORCE_PATH_STYLE
  value: {{ $s.forcePathStyle | toString | quote }}
- name: PARLEY_S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ $s.existingSecret }}
      key: {{ $s.accessKeyIdKey }}
- name: PARLEY_S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $s.existingSecret }}
      key: {{ $s.secretAccessKeyKey }}
{{- end }}
{{- end }}
