{{/* The paths of one Herald host: WebSockets to the gateways, the HTTP API to the api. Prefix
matching is per path segment, so /app does not catch /apps. /users/ is the official Python
SDK's terminate_user_connections path (without /apps/:id). */}}
{{- define "herald.routes" -}}
{{- list (dict "path" "/app" "component" "gateway") (dict "path" "/apps" "component" "api") (dict "path" "/users" "component" "api") | toJson -}}
{{- end -}}
