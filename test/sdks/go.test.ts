/** The official Go server SDK, github.com/pusher/pusher-http-go/v5 (pinned in test/sdks/go/go.mod). */
import { GO_SERVER } from './sdk-drivers';
import { serverSdkConformance } from './server-sdk-conformance';

// v5.1.1 has no TerminateUserConnections (the newest release the Go module proxy serves).
serverSdkConformance({ ...GO_SERVER, unsupported: ['terminate_user_connections'] });
