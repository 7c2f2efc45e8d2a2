{{/*
Push notifications for the notification pods (docs/notifications.md): settings as env, provider
credentials from existing Secrets mounted read-only as files (the chart never renders a credential).
*/}}
{{- define "parley.pushEnv" -}}
{{- $p := .Values.push }}
- name: PARLEY_PUSH_COALESCE_MS
  value: {{ $p.coalesceMs | int64 | quote }}
- name: PARLEY_PUSH_OUTBOX_MAX
  value: {{ $p.outboxMax | int64 | quote }}
{{- if $p.fcm.existingSecret }}
- name: PARLEY_PUSH_FCM_CREDENTIALS_FILE
  value: {{ printf "/var/run/parley/push/fcm/%s" $p.fcm.credentialsKey | quote }}
{{- with $p.fcm.projectId }}
- name: PARLEY_PUSH_FCM_PROJECT_ID
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- if $p.apns.existingSecret }}
{{- if not (and $p.apns.keyId $p.apns.teamId $p.apns.topic) }}
{{- fail "push.apns.existingSecret needs push.apns.keyId, push.apns.teamId and push.apns.topic" }}
{{- end }}
- name: PARLEY_PUSH_APNS_KEY_FILE
  value: {{ printf "/var/run/parley/push/apns/%s" $p.apns.keyKey | quote }}
- name: PARLEY_PUSH_APNS_KEY_ID
  value: {{ $p.apns.keyId | quote }}
- name: PARLEY_PUSH_APNS_TEAM_ID
  value: {{ $p.apns.teamId | quote }}
- name: PARLEY_PUSH_APNS_TOPIC
  value: {{ $p.apns.topic | quote }}
- name: PARLEY_PUSH_APNS_PRODUCTION
  value: {{ $p.apns.production | toString | quote }}
{{- end }}
{{- end }}

{{- define "parley.pushMounts" -}}
{{- if .Values.push.fcm.existingSecret }}
- name: push-fcm
  mountPath: /var/run/parley/push/fcm
  readOnly: true
{{- end }}
{{- if .Values.push.apns.existingSecret }}
- name: push-apns
  mountPath: /var/run/parley/push/apns
  readOnly: true
{{- end }}
{{- end }}

{{- define "parley.pushVolumes" -}}
{{- if .Values.push.fcm.existingSecret }}
- name: push-fcm
  secret:
    secretName: {{ .Values.push.fcm.existingSecret }}
    items:
      - key: {{ .Values.push.fcm.credentialsKey }}
        path: {{ .Values.push.fcm.credentialsKey }}
    defaultMode: 256 # 0400: owner read only
{{- end }}
{{- if .Values.push.apns.existingSecret }}
- name: push-apns
  secret:
    secretName: {{ .Values.push.apns.existingSecret }}
    items:
      - key: {{ .Values.push.apns.keyKey }}
        path: {{ .Values.push.apns.keyKey }}
    defaultMode: 256 # 0400: owner read only
{{- end }}
{{- end }}
