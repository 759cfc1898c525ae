// Configuration of `cem analyze` (npm run build): it reads the elements' JSDoc headers and decorators and
// writes custom-elements.json, the manifest editors and documentation tools read.
export default {
  globs: ['web-components/rt-*/*.ts', 'web-components/client/widget-element.ts'],
  exclude: ['web-components/**/*.test.ts'],
  outdir: '.',
  litelement: true,
};
