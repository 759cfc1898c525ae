/** The data-source plugins that ship with rtdash. The embedded default runs on `demo` and `system`. */
import type { PluginDefinition } from '../core/plugin.js';
import demo from './demo/index.js';
import system from './system/index.js';
import http from './http/index.js';
import postgres from './postgres/index.js';
import mysql from './mysql/index.js';
import redis from './redis/index.js';
import prometheus from './prometheus/index.js';

/** Every built-in plugin definition. */
export const builtinPlugins: PluginDefinition[] = [demo as PluginDefinition, system as PluginDefinition, http as PluginDefinition, postgres as PluginDefinition, mysql as PluginDefinition, redis as PluginDefinition, prometheus as PluginDefinition];
