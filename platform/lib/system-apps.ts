// The system apps' names: apps Ouro runs on itself (apps/<name>), deployed by bootstrap and owned
// by the system user. No user may take one of these names, or bootstrap would find their app.
export const SYSTEM_APPS = ["builder", "cron", "postgres", "redis", "dashboard"] as const;
