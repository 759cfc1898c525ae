// Configuration of `cem analyze` (npm run build): it reads the elements' JSDoc headers and decorators and
// writes custom-elements.json, the manifest editors and documentation tools read.
export default {
  globs: ['web-components/rt-*/*.ts', 'web-components/client/widget-element.ts'],
  // The *.styles.ts modules are the elements' own CSS, not API: their anonymous default exports made entries the
  // manifest schema refuses.
  exclude: ['web-components/**/*.test.ts', 'web-components/**/*.styles.ts'],
  outdir: '.',
  litelement: true,
};
