export { createJobScheduler, type JobHandlers, type JobScheduler, type JobSchedulerOptions } from './scheduler.js';
export { createJobBackend, selectJobStore, type JobStore } from './job-store.js';
export { SqliteBackend } from './sqlite-backend/sqlite-backend.js';
export { createJobsDashboard, jobsDashboardPath, jobsDashboardRouter } from './dashboard.js';
