import { startMosquitto } from '../tests/support/mosquitto.ts';
import { measureCaptureUpload } from './capture-upload.ts';
const broker = await startMosquitto();
try { console.log(await measureCaptureUpload(broker.url, 40, 2 * 1024 * 1024)); } finally { await broker.stop(); }
