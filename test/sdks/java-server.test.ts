/** The official Java server SDK, com.pusher:pusher-http-java (pinned in test/sdks/java/pom.xml). */
import { JAVA_SERVER } from './sdk-drivers';
import { serverSdkConformance } from './server-sdk-conformance';

// 1.3.4 (the newest release) has no user features (authenticate_user, send_to_user,
// terminate_user_connections: its trigger refuses #server-to-user- channels) and no `info`
// parameter on trigger.
serverSdkConformance({ ...JAVA_SERVER, unsupported: ['trigger with info', 'authenticate_user', 'send_to_user', 'terminate_user_connections'] });
