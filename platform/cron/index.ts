export { cronExpressionError, parseAppJsonCron, readAppJson } from "./app-json.ts";
export { createCronReader, type CronReader } from "./reader.ts";
