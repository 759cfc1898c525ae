/**
 * The config schema as editors get it (GET /schemas/config.json): config.yaml is checked after `${VAR}` is filled
 * in, but an editor sees the text as written, where `port: ${PORT:-8080}` is a string. Every typed value that
 * is not text (a number, a boolean, an enum, a patterned string) also accepts a whole `${VAR}` or `${VAR:-default}`.
 */

/** A whole environment reference, as config.yaml may write any value. */
export const ENV_REFERENCE = {
  type: 'string',
  pattern: '^\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}$',
  description: 'Read from the environment when the server starts: ${VAR}, or ${VAR:-default}.',
} as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Whether a subschema constrains a scalar in a way `${VAR}` text would fail. */
function constrainsScalar(node: { [key: string]: Json }): boolean {
  const type = node['type'];
  if (type === 'integer' || type === 'number' || type === 'boolean') return true;
  if (type === undefined) return 'enum' in node || 'const' in node;
  return type === 'string' && ('pattern' in node || 'enum' in node || 'format' in node || 'const' in node);
}

/**
 * `schema` with each scalar that text would fail turned into "that, or an environment reference".
 * @example editorSchema({ type: 'object', properties: { port: { type: 'integer' } } }).properties.port // { anyOf: [{ type: 'integer' }, ENV_REFERENCE] }
 */
export function editorSchema<T>(schema: T): T {
  const walk = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const out: { [key: string]: Json } = {};
    for (const [key, value] of Object.entries(node)) out[key] = key === 'enum' || key === 'const' || key === 'default' || key === 'examples' ? value : walk(value);
    if (!constrainsScalar(out)) return out;
    const { description, markdownDescription, default: fallback, ...typed } = out;
    const doc = { ...(description !== undefined && { description }), ...(markdownDescription !== undefined && { markdownDescription }), ...(fallback !== undefined && { default: fallback }) };
    return { ...doc, anyOf: [typed, ENV_REFERENCE as unknown as Json] };
  };
  return walk(schema as Json) as T;
}

/**
 * The config schema with each notifier type's options schema in `$defs.notifier` (an `if type is T then T's schema`
 * per type), so an editor checks a notifier's options as the loader does.
 */
export function withNotifierTypes(schema: Record<string, unknown>, types: Iterable<{ type: string; optionsSchema: Record<string, unknown> }>): Record<string, unknown> {
  const defs = (schema['$defs'] ?? {}) as Record<string, Record<string, unknown>>;
  const branches = [...types].map(({ type, optionsSchema }) => {
    const { $schema: _draft, $id: _id, ...options } = optionsSchema;
    return { if: { required: ['type'], properties: { type: { const: type } } }, then: options };
  });
  return { ...schema, $defs: { ...defs, notifier: { ...defs['notifier'], allOf: branches } } };
}

/**
 * The config schema with each data-source plugin's options in `datasources` (an `if type is T then T's options`
 * per type, the core keys of a source allowed beside them), so an editor checks a source's options as the loader does.
 */
export function withSourceTypes(schema: Record<string, unknown>, plugins: Iterable<{ type: string; optionsSchema: Record<string, unknown> }>): Record<string, unknown> {
  const properties = schema['properties'] as Record<string, Record<string, unknown>>;
  const entry = properties['datasources']!['additionalProperties'] as Record<string, unknown>;
  const core = Object.fromEntries(Object.keys((entry['properties'] ?? {}) as object).map((key) => [key, true]));
  const branches = [...plugins].map(({ type, optionsSchema }) => {
    const { $schema: _draft, $id: _id, ...options } = optionsSchema;
    const own = (options['properties'] ?? {}) as Record<string, unknown>;
    return { if: { required: ['type'], properties: { type: { const: type } } }, then: { ...options, properties: { ...core, ...own } } };
  });
  const datasources = { ...properties['datasources'], additionalProperties: { ...entry, allOf: branches } };
  return { ...schema, properties: { ...properties, datasources } };
}
