/** The dashboard the alert tests watch: one `level` widget and one rule on it. */

/**
 * A dashboard with one `level` widget (its value is `levels.get(tag)`, failing while `failing` has the tag)
 * and one rule named `TAG-high` on it; `rule` holds the rule's other keys, one per line.
 * @example levelDashboard('cpu', 'when: "last() > 5"\nnotify: [hook]')
 */
export function levelDashboard(tag: string, rule: string): string {
  return `id: ${tag}
title: Alerting ${tag}
widgets:
  - { id: level, title: Level, type: line, source: test, query: { behave: level, tag: ${tag} }, every: 100ms, keep: 100 }
alerts:
  - name: ${tag}-high
    widget: level
${rule
  .trim()
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
`;
}
