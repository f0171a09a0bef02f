export { analyticsRoutes } from './analytics.routes.js';
export { AnalyticsErrors } from './errors.js';
export { getRegionOverview, type RegionOverview, type InstitutionSummary, type DailyActivity } from './region-overview.service.js';
