/** Browser-safe daemon client: protocol types + DaemonClient. No Node imports (runs under UXP and Chromium). */
export * from './protocol.ts';
export * from './client.ts';
