/** The official Java server SDK, com.pusher:pusher-http-java (pinned in test/sdks/java/pom.xml). */
import { JAVA_SERVER } from './sdk-drivers';
import { serverSdkConformance } from './server-sdk-conformance';

serverSdkConformance({ ...JAVA_SERVER, unsupported: [] });
