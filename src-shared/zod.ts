import { z } from 'zod';

// Zod compiles fast parsers with `new Function` and probes for it on first use. The renderer's
// Content-Security-Policy forbids eval (script-src 'self'), and even the probe logs a violation.
// API requests are small, so interpreted parsing costs nothing noticeable. Every shared schema
// imports `z` from here so the setting is in place before any schema is used.
z.config({ jitless: true });

export { z };
