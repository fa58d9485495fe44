export { teardown as default } from './temp-dirs.js';
