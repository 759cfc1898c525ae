/**
 * rtdash's public API: what a plugin author or an embedding program imports from `rtdash`.
 * @example import { definePlugin, type Frame } from 'rtdash';
 */
export { definePlugin } from './plugin.js';
export { defineNotifier, type Notifier, type NotifierContext, type NotifierDefinition } from './alerts/notifiers/index.js';
export type { AlertNotification, NotificationGroup } from './alerts/notification.js';
export { DeliveryError } from './alerts/notifiers/notifier.js';
export type { DataSource, Health, JsonSchema, Logger, PluginContext, PluginDefinition, QueryContext, RuntimeStats, TimeRange } from './plugin.js';
export { checkFrame, frameTooWide, type Field, type FieldType, type FieldValue, type Frame } from './frame.js';
export { ERRORS, RtdashError, type ErrorCode } from './errors.js';
export type { Dashboard, ServerConfig, Widget } from './model.js';
export { ConfigError, formatProblem, loadDashboardDir, loadServerConfig, parseDashboard, parseServerConfig, type Problem } from './config/index.js';
export { startServer, VERSION, type RtdashServer, type StartOptions } from './server.js';
export { createLogger, silentLogger } from './logger.js';
export { signEmbedToken, verifyEmbedToken, type EmbedClaims, type EmbedTokenRequest } from './embed-token.js';
