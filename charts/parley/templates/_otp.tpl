{{/*
One-time-code sign-in (docs/adr/0012-one-time-code-login.md) for the auth pods, which send the
codes: provider settings as env, the Twilio auth token, the SMTP password and the code pepper from
existing Secrets, the SMTP server's CA (optional) mounted read-only from one. A channel stays off
until its provider is set.
*/}}
{{- define "parley.otpEnv" -}}
{{- $sms := .Values.otp.sms }}
{{- $email := .Values.otp.email }}
{{- if eq $sms.provider "twilio" }}
{{- $t := $sms.twilio }}
{{- if not (and $t.accountSid $t.from $t.existingSecret) }}
{{- fail "otp.sms.provider=twilio needs otp.sms.twilio.accountSid, otp.sms.twilio.from and otp.sms.twilio.existingSecret (the auth token)" }}
{{- end }}
- name: PARLEY_OTP_SMS_PROVIDER
  value: twilio
- name: PARLEY_OTP_TWILIO_ACCOUNT_SID
  value: {{ $t.accountSid | quote }}
- name: PARLEY_OTP_TWILIO_FROM
  value: {{ $t.from | quote }}
- name: PARLEY_OTP_TWILIO_API_URL
  value: {{ $t.apiUrl | quote }}
- name: PARLEY_OTP_TWILIO_AUTH_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ $t.existingSecret }}
      key: {{ $t.authTokenKey }}
{{- end }}
{{- if eq $email.provider "smtp" }}
{{- $m := $email.smtp }}
{{- if not (and $m.host $m.from) }}
{{- fail "otp.email.provider=smtp needs otp.email.smtp.host and otp.email.smtp.from" }}
{{- end }}
{{- if and $m.user (not $m.existingSecret) }}
{{- fail "otp.email.smtp.user needs otp.email.smtp.existingSecret (the password)" }}
{{- end }}
- name: PARLEY_OTP_EMAIL_PROVIDER
  value: smtp
- name: PARLEY_OTP_SMTP_HOST
  value: {{ $m.host | quote }}
- name: PARLEY_OTP_SMTP_PORT
  value: {{ $m.port | int64 | quote }}
- name: PARLEY_OTP_SMTP_TLS
  value: {{ $m.tls | quote }}
- name: PARLEY_OTP_SMTP_FROM
  value: {{ $m.from | quote }}
{{- if $m.user }}
- name: PARLEY_OTP_SMTP_USER
  value: {{ $m.user | quote }}
- name: PARLEY_OTP_SMTP_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $m.existingSecret }}
      key: {{ $m.passwordKey }}
{{- end }}
{{- if $m.caSecret }}
- name: PARLEY_OTP_SMTP_CA_FILE
  value: {{ printf "/etc/parley/tls/smtp/%s" $m.caKey | quote }}
{{- end }}
{{- end }}
{{- with .Values.otp.pepper.existingSecret }}
- name: PARLEY_OTP_PEPPER
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.otp.pepper.key }}
{{- end }}
{{- end }}

{{- define "parley.otpMounts" -}}
{{- if and (eq .Values.otp.email.provider "smtp") .Values.otp.email.smtp.caSecret }}
- name: smtp-ca
  mountPath: /etc/parley/tls/smtp
  readOnly: true
{{- end }}
{{- end }}

{{- define "parley.otpVolumes" -}}
{{- $m := .Values.otp.email.smtp }}
{{- if and (eq .Values.otp.email.provider "smtp") $m.caSecret }}
- name: smtp-ca
  secret:
    secretName: {{ $m.caSecret }}
    items:
      - key: {{ $m.caKey }}
        path: {{ $m.caKey }}
{{- end }}
{{- end }}
