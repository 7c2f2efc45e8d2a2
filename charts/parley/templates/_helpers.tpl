{{/*
Names and labels. Every object is "<fullname>-<service>"; selectors use name, instance and component.
*/}}
{{- define "parley.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "parley.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "parley.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of one service's objects. Call with (dict "root" $ "component" "gateway"). */}}
{{- define "parley.labels" -}}
helm.sh/chart: {{ include "parley.chart" .root }}
{{ include "parley.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: parley
{{- end }}

{{- define "parley.selectorLabels" -}}
app.kubernetes.io/name: {{ include "parley.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end }}

{{- define "parley.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "parley.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "parley.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}

{{/* The in-cluster DNS name of one service's Service. Call with (dict "root" $ "component" "auth"). */}}
{{- define "parley.serviceHost" -}}
{{- printf "%s-%s.%s.svc.%s" (include "parley.fullname" .root) .component .root.Release.Namespace .root.Values.clusterDomain }}
{{- end }}

{{/*
What each service needs (see each apps/<service>/src/main.ts): the gRPC port it serves (listen), the peers it
calls (clients), and which credentials it reads. Only these reach its pod.
*/}}
{{- define "parley.components" -}}
gateway:
  listen: ""
  clients: [auth, messaging, presence, notification]
  postgres: false
  redis: true
auth:
  listen: PARLEY_AUTH_ADDR
  clients: []
  postgres: true
  redis: false
messaging:
  listen: PARLEY_MESSAGING_ADDR
  clients: [auth]
  postgres: true
  redis: false
presence:
  listen: PARLEY_PRESENCE_ADDR
  clients: []
  postgres: true
  redis: true
fanout:
  listen: ""
  clients: []
  postgres: false
  redis: true
notification:
  listen: PARLEY_NOTIFICATION_ADDR
  clients: [messaging, auth]
  postgres: true
  redis: true
{{- end }}

{{/* Settings that only the chart sets: config.extraEnv may not name them. */}}
{{- define "parley.managedEnv" -}}
- PARLEY_MODE
- PARLEY_HOST
- PARLEY_PORT
- PARLEY_ADMIN_HOST
- PARLEY_ADMIN_PORT
- PARLEY_POSTGRES_URL
- PARLEY_REDIS_URL
- PARLEY_KAFKA_BROKERS
- PARLEY_CASSANDRA_CONTACT_POINTS
- PARLEY_AUTH_ADDR
- PARLEY_MESSAGING_ADDR
- PARLEY_PRESENCE_ADDR
- PARLEY_NOTIFICATION_ADDR
- PARLEY_PUSH_FCM_CREDENTIALS_FILE
- PARLEY_PUSH_APNS_KEY_FILE
- PARLEY_S3_ENDPOINT
- PARLEY_S3_PUBLIC_ENDPOINT
- PARLEY_S3_REGION
- PARLEY_S3_BUCKET
- PARLEY_S3_FORCE_PATH_STYLE
- PARLEY_S3_ACCESS_KEY_ID
- PARLEY_S3_SECRET_ACCESS_KEY
- PARLEY_OTP_SMS_PROVIDER
- PARLEY_OTP_EMAIL_PROVIDER
- PARLEY_OTP_TWILIO_ACCOUNT_SID
- PARLEY_OTP_TWILIO_AUTH_TOKEN
- PARLEY_OTP_TWILIO_FROM
- PARLEY_OTP_TWILIO_API_URL
- PARLEY_OTP_SMTP_HOST
- PARLEY_OTP_SMTP_PORT
- PARLEY_OTP_SMTP_TLS
- PARLEY_OTP_SMTP_USER
- PARLEY_OTP_SMTP_PASSWORD
- PARLEY_OTP_SMTP_FROM
- PARLEY_OTP_SMTP_CA_FILE
- PARLEY_OTP_PEPPER
- PARLEY_GATEWAY_DELIVERY_ADDR
- PARLEY_GATEWAY_ID
- PARLEY_DATA_DIR
- PARLEY_DRAIN_MS
- PARLEY_SCHEMA_SETUP
- PARLEY_KAFKA_REPLICATION_FACTOR
- PARLEY_KAFKA_MIN_INSYNC_REPLICAS
- PARLEY_KAFKA_NAME_PREFIX
- PARLEY_CASSANDRA_DC
- PARLEY_CASSANDRA_KEYSPACE
- PARLEY_CASSANDRA_REPLICATION
- PARLEY_JWT_KEYS_DIR
- PARLEY_JWT_ACTIVE_KID
- PARLEY_KAFKA_SASL_MECHANISM
- PARLEY_KAFKA_SASL_USERNAME
- PARLEY_KAFKA_SASL_PASSWORD
- PARLEY_CASSANDRA_USERNAME
- PARLEY_CASSANDRA_PASSWORD
- PARLEY_REDIS_TLS_CA_FILE
- PARLEY_KAFKA_TLS
- PARLEY_KAFKA_TLS_CA_FILE
- PARLEY_KAFKA_TLS_CERT_FILE
- PARLEY_KAFKA_TLS_KEY_FILE
- PARLEY_CASSANDRA_TLS
- PARLEY_CASSANDRA_TLS_CA_FILE
- PARLEY_CASSANDRA_TLS_CERT_FILE
- PARLEY_CASSANDRA_TLS_KEY_FILE
- PARLEY_CASSANDRA_TLS_VERIFY_HOSTNAME
- PARLEY_GRPC_TLS
- PARLEY_GRPC_TLS_CA_FILE
- PARLEY_GRPC_TLS_CERT_FILE
- PARLEY_GRPC_TLS_KEY_FILE
- PARLEY_GRPC_TLS_CLIENT_AUTH
- PARLEY_GRPC_TLS_SERVER_NAME
{{- end }}

{{/*
Data-system credentials from existing Secrets, as env entries: Kafka SASL for every process (all
use Kafka), Cassandra for those that open the message store. Call with (dict "root" $ "cassandra" bool).
*/}}
{{- define "parley.dataCredentials" -}}
{{- $k := .root.Values.kafka.sasl }}
{{- if $k.mechanism }}
{{- if not $k.existingSecret }}
{{- fail "kafka.sasl.mechanism needs kafka.sasl.existingSecret" }}
{{- end }}
- name: PARLEY_KAFKA_SASL_MECHANISM
  value: {{ $k.mechanism | quote }}
- name: PARLEY_KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ $k.existingSecret }}
      key: {{ $k.usernameKey }}
- name: PARLEY_KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $k.existingSecret }}
      key: {{ $k.passwordKey }}
{{- end }}
{{- $c := .root.Values.cassandra.auth }}
{{- if and .cassandra $c.existingSecret }}
- name: PARLEY_CASSANDRA_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ $c.existingSecret }}
      key: {{ $c.usernameKey }}
- name: PARLEY_CASSANDRA_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $c.existingSecret }}
      key: {{ $c.passwordKey }}
{{- end }}
{{- end }}

{{/*
Where the data systems are and how Parley's topics and keyspace are made: the same in the
ConfigMap (services) and the setup Job (which runs before the ConfigMap exists).
*/}}
{{- define "parley.dataEnv" -}}
PARLEY_KAFKA_BROKERS: {{ join "," .Values.kafka.brokers | quote }}
PARLEY_KAFKA_REPLICATION_FACTOR: {{ .Values.kafka.replicationFactor | int64 | quote }}
PARLEY_KAFKA_MIN_INSYNC_REPLICAS: {{ .Values.kafka.minInsyncReplicas | int64 | quote }}
PARLEY_KAFKA_NAME_PREFIX: {{ include "parley.kafkaPrefix" . | quote }}
PARLEY_CASSANDRA_CONTACT_POINTS: {{ join "," .Values.cassandra.contactPoints | quote }}
PARLEY_CASSANDRA_DC: {{ .Values.cassandra.localDataCenter | quote }}
PARLEY_CASSANDRA_KEYSPACE: {{ .Values.cassandra.keyspace | quote }}
PARLEY_CASSANDRA_REPLICATION: {{ default (printf "%s:3" .Values.cassandra.localDataCenter) .Values.cassandra.replication | quote }}
{{- end }}

{{/* Kafka topic and group prefix: kafka.namePrefix, or "<release>.". */}}
{{- define "parley.kafkaPrefix" -}}
{{- default (printf "%s." .Release.Name) .Values.kafka.namePrefix }}
{{- end }}

{{/* The gateway's grace period: preStop + drain window + 15 s to close, unless set. */}}
{{- define "parley.gatewayGrace" -}}
{{- if .Values.gateway.terminationGracePeriodSeconds }}
{{- .Values.gateway.terminationGracePeriodSeconds }}
{{- else }}
{{- add .Values.gateway.preStopSeconds .Values.config.gateway.drainSeconds 15 }}
{{- end }}
{{- end }}

{{/*
The gRPC address variable a client uses to reach a peer. Messaging runs several replicas behind a
headless Service: the dns:/// target resolves to every ready pod and the channel fails over
between them (libs/runtime/src/rpc-clients.module.ts passes a single address through unchanged).
*/}}
{{- define "parley.clientAddr" -}}
{{- $root := .root }}
{{- if eq .peer "auth" }}
- name: PARLEY_AUTH_ADDR
  value: {{ printf "%s:%v" (include "parley.serviceHost" (dict "root" $root "component" "auth")) $root.Values.auth.port | quote }}
{{- else if eq .peer "messaging" }}
- name: PARLEY_MESSAGING_ADDR
  value: {{ printf "dns:///%s:%v" (include "parley.serviceHost" (dict "root" $root "component" "messaging")) $root.Values.messaging.port | quote }}
{{- else if eq .peer "presence" }}
- name: PARLEY_PRESENCE_ADDR
  value: {{ printf "%s:%v" (include "parley.serviceHost" (dict "root" $root "component" "presence")) $root.Values.presence.port | quote }}
{{- else if eq .peer "notification" }}
- name: PARLEY_NOTIFICATION_ADDR
  value: {{ printf "%s:%v" (include "parley.serviceHost" (dict "root" $root "component" "notification")) $root.Values.notification.port | quote }}
{{- end }}
{{- end }}

{{/* The NetworkPolicy ingress rule of the admin port: Prometheus (adminFrom, or anyone) and the kubelet's probes. */}}
{{- define "parley.adminIngress" -}}
- ports:
    - port: admin
      protocol: TCP
  {{- with .Values.networkPolicy.adminFrom }}
  from:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}

{{/*
OTEL_RESOURCE_ATTRIBUTES: the release's namespace and name, then the user's attributes, as k=v,k=v
(sorted: stable output). The SDK's host detector adds the pod's hostname (host.name).
*/}}
{{- define "parley.otelResource" -}}
{{- $pairs := list (printf "k8s.namespace.name=%s" .root.Release.Namespace) (printf "service.namespace=%s" .root.Release.Name) -}}
{{- range $k := keys .attributes | sortAlpha -}}
{{- $pairs = append $pairs (printf "%s=%s" $k (get $.attributes $k)) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end }}

{{/* The ConfigMap's settings, before config.extraEnv. */}}
{{- define "parley.configData" -}}
PARLEY_MODE: mesh
PARLEY_LOG_LEVEL: {{ .Values.config.logLevel | quote }}
PARLEY_LOG_PARTITIONS: {{ .Values.config.logPartitions | int64 | quote }}
PARLEY_JWT_ISSUER: {{ .Values.config.jwt.issuer | quote }}
PARLEY_JWT_AUDIENCE: {{ .Values.config.jwt.audience | quote }}
PARLEY_ACCESS_TOKEN_TTL_SECONDS: {{ .Values.config.jwt.accessTokenTtlSeconds | int64 | quote }}
PARLEY_REFRESH_TOKEN_TTL_SECONDS: {{ .Values.config.jwt.refreshTokenTtlSeconds | int64 | quote }}
PARLEY_PRESENCE_TTL_MS: {{ .Values.config.presenceTtlMs | int64 | quote }}
PARLEY_LARGE_GROUP_THRESHOLD: {{ .Values.config.largeGroupThreshold | int64 | quote }}
PARLEY_TYPING_SAMPLE_MS: {{ .Values.config.typingSampleMs | int64 | quote }}
PARLEY_HEARTBEAT_MS: {{ .Values.config.gateway.heartbeatMs | int64 | quote }}
PARLEY_WS_MAX_BUFFERED_BYTES: {{ .Values.config.gateway.wsMaxBufferedBytes | int64 | quote }}
PARLEY_WS_MAX_INVALID_FRAMES: {{ .Values.config.gateway.wsMaxInvalidFrames | int64 | quote }}
PARLEY_REST_SEND_TIMEOUT_MS: {{ .Values.config.gateway.restSendTimeoutMs | int64 | quote }}
PARLEY_SEND_RATE_PER_SECOND: {{ .Values.config.gateway.sendRatePerSecond | int64 | quote }}
PARLEY_SIGNAL_RATE_PER_SECOND: {{ .Values.config.gateway.signalRatePerSecond | int64 | quote }}
PARLEY_AUTH_ATTEMPTS_PER_MINUTE: {{ .Values.config.gateway.authAttemptsPerMinute | int64 | quote }}
PARLEY_REGISTRATIONS_PER_MINUTE: {{ .Values.config.gateway.registrationsPerMinute | int64 | quote }}
PARLEY_LOGIN_FAILURES_PER_ACCOUNT: {{ .Values.config.gateway.loginFailuresPerAccount | int64 | quote }}
{{- with .Values.config.gateway.clientAddressHeader | default (ternary "x-forwarded-for" "" .Values.ingress.enabled) }}
PARLEY_CLIENT_ADDRESS_HEADER: {{ . | quote }}
{{- end }}
PARLEY_DRAIN_MS: {{ mul .Values.config.gateway.drainSeconds 1000 | int64 | quote }}
PARLEY_SCHEMA_SETUP: {{ ternary "verify" "create" .Values.setup.enabled | quote }}
{{ include "parley.dataEnv" . }}
{{- end }}
