/** The bundle served at /rt-dashboard.js: importing it defines every element. */
export { RtText } from './rt-text/rt-text.js';
