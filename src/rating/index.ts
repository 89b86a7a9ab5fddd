export * from './rate.js';
export * from './leg-cost.js';
export * from './max-seconds.js';
export * from './prefix-index.js';
export * from './phone.js';
export * from './talk-limit.js';
export * from './call-setup.js';
