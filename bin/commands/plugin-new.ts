/**
 * `rtdash plugin new NAME [DIR]`: scaffolds a data-source plugin folder (one TypeScript file, its
 * tests on the shared conformance kit, an example dashboard, a README) whose tests pass as written.
 */
import { scaffoldCommand } from './scaffold.js';

export const pluginCommand = scaffoldCommand('plugin', {
  command: 'rtdash plugin new',
  usage: `Usage: rtdash plugin new NAME [DIR]

Writes a data-source plugin into DIR (default ./NAME): NAME.ts, NAME.test.ts, example.yaml,
README.md, package.json and tsconfig.json. Then: cd DIR && npm install && npm test`,
  templates: 'plugin-template',
  stem: 'plugin',
  nameIs: "the plugin's type",
});
