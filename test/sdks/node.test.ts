/** The official Node server SDK, `pusher` from npm (pinned by package-lock.json). */
import { NODE_SERVER } from './sdk-drivers';
import { serverSdkConformance } from './server-sdk-conformance';

serverSdkConformance({ ...NODE_SERVER, unsupported: [] });
