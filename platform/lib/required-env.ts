// A system app's process entry reads its config vars through this: a missing one stops the dyno
// on purpose, saying which config var to set on which app (the dyno's log shows it).

export function requiredEnv(app: string, name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`${app}: ${name} is not set; set it as a config var of the ${app} app`);
    process.exit(1);
  }
  return value;
}
