// `node:stream/promises`, from readable-stream (Node's own streams, as an npm package).
import { promises } from 'readable-stream';
export const { pipeline, finished } = promises;
export default promises;
