/**
 * `rtdash notifier new NAME [DIR]`: scaffolds a notifier of a team's own (one TypeScript file with its options
 * schema, its tests against a real HTTP receiver, a README), loaded from config.yaml's `plugins:` like a data source.
 */
import { scaffoldCommand } from './scaffold.js';

export const notifierCommand = scaffoldCommand('notifier', {
  command: 'rtdash notifier new',
  usage: `Usage: rtdash notifier new NAME [DIR]

Writes a notifier into DIR (default ./NAME): NAME.ts, NAME.test.ts, README.md, package.json and
tsconfig.json. Then: cd DIR && npm install && npm test, and list it under plugins: in config.yaml
(docs/notifiers.md).`,
  templates: 'notifier-template',
  stem: 'notifier',
  nameIs: "the notifier's type",
});
