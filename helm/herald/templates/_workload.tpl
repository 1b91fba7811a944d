{{/*
One Herald workload: a Deployment running `herald <component>` with the chart's settings.
Called with (dict "root" $ "component" "gateway" "values" .Values.gateway "grace" N).
The command, args and environment stay plain (args: [component], env values or valueFrom
Secrets, envFrom the settings ConfigMap), so they can be run as they are outside Kubernetes.
*/}}
{{- define "herald.deployment" -}}
{{- $root := .root -}}
{{- $v := .values -}}
{{- $component := .component -}}
{{- $autoscaled := and (hasKey $v "autoscaling") $v.autoscaling.enabled -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "herald.componentName" . }}
  labels:
    {{- include "herald.componentLabels" . | nindent 4 }}
spec:
  {{- if not $autoscaled }}
  replicas: {{ $v.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "herald.componentSelectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: {{ $root.Values.rollout.maxUnavailable }}
      maxSurge: {{ $root.Values.rollout.maxSurge }}
  template:
    metadata:
      labels:
        {{- include "herald.componentLabels" . | nindent 8 }}
        {{- with $v.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ include "herald.configChecksum" $root }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "herald.serviceAccountName" $root }}
      automountServiceAccountToken: false
      # Herald ignores service-link variables, but they would be noise in every pod.
      enableServiceLinks: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ .grace }}
      {{- if $root.Values.topologySpread.enabled }}
      topologySpreadConstraints:
        {{- range $root.Values.topologySpread.topologyKeys }}
        - maxSkew: {{ $root.Values.topologySpread.maxSkew }}
          topologyKey: {{ . }}
          whenUnsatisfiable: {{ $root.Values.topologySpread.whenUnsatisfiable }}
          labelSelector:
            matchLabels:
              {{- include "herald.componentSelectorLabels" (dict "root" $root "component" $component) | nindent 14 }}
        {{- end }}
      {{- end }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ $component }}
          image: {{ include "herald.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args: [{{ $component | quote }}]
          ports:
            - name: http
              containerPort: {{ include "herald.componentPort" $component }}
              protocol: TCP
            {{- if $root.Values.metrics.port }}
            - name: metrics
              containerPort: {{ $root.Values.metrics.port }}
              protocol: TCP
            {{- if eq $component "gateway" }}
            {{- /* Gateway worker i serves its own registry on the metrics port + i. */}}
            {{- range $i := untilStep 1 (int (include "herald.gatewayWorkers" $root)) 1 }}
            - name: {{ printf "metrics-w%d" $i }}
              containerPort: {{ add $root.Values.metrics.port $i }}
              protocol: TCP
            {{- end }}
            {{- end }}
            {{- end }}
          envFrom:
            - configMapRef:
                name: {{ printf "%s-env" (include "herald.fullname" $root) }}
          env:
            - name: HERALD_PORT
              value: {{ include "herald.componentPort" $component | quote }}
            {{- if $root.Values.metrics.port }}
            - name: HERALD_METRICS_PORT
              value: {{ $root.Values.metrics.port | quote }}
            {{- end }}
            - name: HERALD_LOG_LEVEL
              value: {{ $root.Values.logLevel | quote }}
            - name: HERALD_NATS_URL
              {{- if $root.Values.nats.urlSecret.name }}
              valueFrom:
                secretKeyRef:
                  name: {{ $root.Values.nats.urlSecret.name }}
                  key: {{ $root.Values.nats.urlSecret.key }}
              {{- else }}
              value: {{ $root.Values.nats.url | quote }}
              {{- end }}
            {{- $natsAuth := $root.Values.nats.auth }}
            {{- if eq $natsAuth.type "user" }}
            - name: HERALD_NATS_USER
              valueFrom:
                secretKeyRef:
                  name: {{ $natsAuth.secretName }}
                  key: {{ $natsAuth.userKey }}
            - name: HERALD_NATS_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ $natsAuth.secretName }}
                  key: {{ $natsAuth.passwordKey }}
            {{- else if eq $natsAuth.type "token" }}
            - name: HERALD_NATS_TOKEN
              valueFrom:
                secretKeyRef:
                  name: {{ $natsAuth.secretName }}
                  key: {{ $natsAuth.tokenKey }}
            {{- else if eq $natsAuth.type "creds" }}
            - name: HERALD_NATS_CREDS_FILE
              value: /etc/herald/nats/nats.creds
            {{- end }}
            - name: HERALD_APPS_FILE
              {{- if include "herald.mountsAppsFile" $root }}
              value: {{ printf "%s/apps.yaml" (include "herald.appsMountDir" $root) | quote }}
              {{- else }}
              valueFrom:
                secretKeyRef:
                  {{- if $root.Values.apps.postgres.existingSecret.name }}
                  name: {{ $root.Values.apps.postgres.existingSecret.name }}
                  key: {{ $root.Values.apps.postgres.existingSecret.key }}
                  {{- else }}
                  name: {{ include "herald.appsSecretName" $root }}
                  key: postgres-url
                  {{- end }}
              {{- end }}
            {{- if eq $component "gateway" }}
            - name: HERALD_GATEWAY_WORKERS
              value: {{ include "herald.gatewayWorkers" $root | quote }}
            - name: HERALD_DRAIN_RATE
              value: {{ $v.drain.rate | quote }}
            - name: HERALD_DRAIN_TIMEOUT_MS
              value: {{ $v.drain.timeoutMs | quote }}
            {{- end }}
            {{- range $name, $value := $v.env }}
            - name: {{ $name }}
              value: {{ $value | toString | quote }}
            {{- end }}
            {{- if $root.Values.tracing.endpoint }}
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            - name: OTEL_EXPORTER_OTLP_ENDPOINT
              value: {{ $root.Values.tracing.endpoint | quote }}
            - name: OTEL_TRACES_SAMPLER
              value: parentbased_traceidratio
            - name: OTEL_TRACES_SAMPLER_ARG
              value: {{ $root.Values.tracing.samplerRatio | toString | quote }}
            - name: OTEL_RESOURCE_ATTRIBUTES
              value: {{ printf "k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE)%s" (ternary (printf ",%s" $root.Values.tracing.resourceAttributes) "" (ne $root.Values.tracing.resourceAttributes "")) | quote }}
            {{- end }}
            {{- with $root.Values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          startupProbe:
            httpGet: {path: /healthz, port: {{ include "herald.healthPortName" $root }}}
            {{- toYaml $root.Values.probes.startup | nindent 12 }}
          livenessProbe:
            httpGet: {path: /healthz, port: {{ include "herald.healthPortName" $root }}}
            {{- toYaml $root.Values.probes.liveness | nindent 12 }}
          readinessProbe:
            httpGet: {path: /readyz, port: {{ include "herald.healthPortName" $root }}}
            {{- toYaml $root.Values.probes.readiness | nindent 12 }}
          {{- if $v.preStopSleepSeconds }}
          lifecycle:
            # Lets the endpoints controller and the ingress drop this pod before Herald drains.
            preStop:
              exec:
                command: ["sleep", {{ $v.preStopSleepSeconds | quote }}]
          {{- end }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if include "herald.mountsAppsFile" $root }}
            - name: apps
              mountPath: {{ include "herald.appsMountDir" $root }}
              readOnly: true
            {{- end }}
            {{- if eq $root.Values.nats.auth.type "creds" }}
            - name: nats-creds
              mountPath: /etc/herald/nats
              readOnly: true
            {{- end }}
      volumes:
        # The root filesystem is read-only; Node may still want a scratch /tmp.
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        {{- if eq $root.Values.nats.auth.type "creds" }}
        - name: nats-creds
          secret:
            secretName: {{ $root.Values.nats.auth.secretName }}
            items:
              - key: {{ $root.Values.nats.auth.credsKey }}
                path: nats.creds
        {{- end }}
        {{- if include "herald.mountsAppsFile" $root }}
        - name: apps
          secret:
            {{- if eq $root.Values.apps.source "existingSecret" }}
            secretName: {{ $root.Values.apps.existingSecret.name }}
            items:
              - key: {{ $root.Values.apps.existingSecret.key }}
                path: apps.yaml
            {{- else }}
            secretName: {{ include "herald.appsSecretName" $root }}
            items:
              - key: apps.yaml
                path: apps.yaml
            {{- end }}
        {{- end }}
{{- end -}}
