/** The official Python server SDK, `pusher` from PyPI (pinned in test/sdks/python/requirements.lock). */
import { PYTHON_SERVER } from './sdk-drivers';
import { serverSdkConformance } from './server-sdk-conformance';

serverSdkConformance({ ...PYTHON_SERVER, unsupported: ['trigger with info'] });
