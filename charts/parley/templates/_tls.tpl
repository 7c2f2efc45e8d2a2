{{/*
TLS towards the data systems and between the services (docs/deploy.md, "TLS"): PEM files from
existing Secrets (e.g. cert-manager's ca.crt, tls.crt, tls.key), mounted read-only under
/etc/parley/tls/<system>, and the PARLEY_*_TLS* settings that name them. Call each with
(dict "root" $ "systems" (list ...)): the systems this pod talks to (postgres, redis, kafka,
cassandra, grpc). Postgres's CA is named in its URL (sslrootcert=/etc/parley/tls/postgres/<caKey>).
*/}}
{{- define "parley.tlsSystems" -}}
{{- $t := .root.Values.tls }}
{{- range $s := .systems }}
{{- $v := get $t $s }}
{{- if and $v.existingSecret (or (has $s (list "postgres" "redis")) $v.enabled) }}
- {{ $s }}
{{- end }}
{{- end }}
{{- end }}

{{- define "parley.tlsEnv" -}}
{{- $t := .root.Values.tls }}
{{- $dir := "/etc/parley/tls" }}
{{- if and (has "redis" .systems) $t.redis.existingSecret }}
- name: PARLEY_REDIS_TLS_CA_FILE
  value: {{ printf "%s/redis/%s" $dir $t.redis.caKey | quote }}
{{- end }}
{{- range $s := list "kafka" "cassandra" "grpc" }}
{{- $v := get $t $s }}
{{- $up := upper $s }}
{{- if and (has $s $.systems) $v.enabled }}
{{- if and (eq $s "grpc") (not (and $v.existingSecret $v.certKey $v.keyKey)) }}
{{- fail "tls.grpc.enabled needs tls.grpc.existingSecret with certKey and keyKey (every service serves gRPC)" }}
{{- end }}
{{- if and (or $v.certKey $v.keyKey) (not (and $v.certKey $v.keyKey)) }}
{{- fail (printf "tls.%s.certKey and tls.%s.keyKey go together" $s $s) }}
{{- end }}
- name: {{ printf "PARLEY_%s_TLS" $up }}
  value: "true"
{{- if $v.existingSecret }}
{{- if $v.caKey }}
- name: {{ printf "PARLEY_%s_TLS_CA_FILE" $up }}
  value: {{ printf "%s/%s/%s" $dir $s $v.caKey | quote }}
{{- end }}
{{- if $v.certKey }}
- name: {{ printf "PARLEY_%s_TLS_CERT_FILE" $up }}
  value: {{ printf "%s/%s/%s" $dir $s $v.certKey | quote }}
- name: {{ printf "PARLEY_%s_TLS_KEY_FILE" $up }}
  value: {{ printf "%s/%s/%s" $dir $s $v.keyKey | quote }}
{{- end }}
{{- end }}
{{- if eq $s "cassandra" }}
- name: PARLEY_CASSANDRA_TLS_VERIFY_HOSTNAME
  value: {{ $v.verifyHostname | toString | quote }}
{{- end }}
{{- if eq $s "grpc" }}
- name: PARLEY_GRPC_TLS_CLIENT_AUTH
  value: {{ $v.clientAuth | toString | quote }}
- name: PARLEY_GRPC_TLS_SERVER_NAME
  value: {{ default (printf "%s-grpc" (include "parley.fullname" $.root)) $v.serverName | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{- define "parley.tlsMounts" -}}
{{- range $s := include "parley.tlsSystems" . | fromYamlArray }}
- name: {{ printf "tls-%s" $s }}
  mountPath: {{ printf "/etc/parley/tls/%s" $s }}
  readOnly: true
{{- end }}
{{- end }}

{{- define "parley.tlsVolumes" -}}
{{- range $s := include "parley.tlsSystems" . | fromYamlArray }}
- name: {{ printf "tls-%s" $s }}
  secret:
    secretName: {{ (get $.root.Values.tls $s).existingSecret }}
    defaultMode: 256 # 0400 (group-readable by fsGroup): the PEM files
{{- end }}
{{- end }}
