// `ouro help`: the topics (what comes before `:` in a command's name), each with what it is for
// and an example, as `heroku help` lists them; `ouro help TOPIC` gives that topic's commands.
import type { Command } from "commander";
import { CliError } from "./errors.ts";

const TOPICS: Record<string, { about: string; example: string }> = {
  apps: { about: "create, list, inspect, transfer and destroy apps", example: "ouro apps:create hello" },
  git: { about: "the git remote that deploys an app", example: "ouro git:remote -a hello" },
  config: { about: "config vars; each change is a release that deploys", example: "ouro config:set GREETING=hi -a hello" },
  ps: { about: "dynos: list, scale, resize, restart, stop; the plan and strategy", example: "ouro ps:scale web=2 -a hello" },
  releases: { about: "releases, one of them, and rollback", example: "ouro releases:rollback v3 -a hello" },
  builds: { about: "an app's builds, their output, and builds without git", example: "ouro builds:create --source-tar app.tar.gz -a hello" },
  buildpacks: { about: "the buildpacks an app builds with", example: "ouro buildpacks:set nodejs -a hello" },
  logs: { about: "an app's log: its dynos, the router, the platform", example: "ouro logs --tail -a hello" },
  drains: { about: "where an app's log lines are forwarded", example: "ouro drains:add syslog+tls://logs.example.com:6514 -a hello" },
  run: { about: "one-off dynos, attached or detached", example: "ouro run bash -a hello" },
  addons: { about: "add-ons (postgres, redis)", example: "ouro addons:create postgres -a hello" },
  domains: { about: "custom domains", example: "ouro domains:add www.example.com -a hello" },
  certs: { about: "TLS certificates for custom domains", example: "ouro certs:add cert.pem key.pem -a hello" },
  maintenance: { about: "maintenance mode", example: "ouro maintenance:on -a hello" },
  cron: { about: "an app's app.json cron schedules", example: "ouro cron -a hello" },
  access: { about: "who may use an app", example: "ouro access:add ann@example.com -a hello" },
  audit: { about: "who changed what", example: "ouro audit -a hello" },
  auth: { about: "the API key the CLI uses", example: "ouro auth:token" },
  authorizations: { about: "your API keys", example: "ouro authorizations:create --scope read" },
  users: { about: "the users of this Ouro (admins)", example: "ouro users:create ann@example.com" },
  system: { about: "the platform's own apps", example: "ouro system:upgrade builder" },
};

const topicOf = (command: Command) => command.name().split(":")[0]!;

/** Every topic there is a command for, with its line: known ones as described, others by their first command. */
export function topicsHelp(program: Command): string {
  const topics = [...new Set(program.commands.map(topicOf))].filter((t) => t !== "help").sort();
  const width = Math.max(...topics.map((t) => t.length));
  const lines = topics.map((topic) => {
    const known = TOPICS[topic];
    const about = known?.about ?? program.commands.find((c) => topicOf(c) === topic)!.description();
    return `  ${topic.padEnd(width)}  ${about}${known ? `\n  ${" ".repeat(width)}  e.g. ${known.example}` : ""}`;
  });
  return [
    "Usage: ouro TOPIC[:COMMAND] [-a APP] [options]",
    "",
    program.description(),
    "",
    "Topics:",
    ...lines,
    "",
    "ouro help TOPIC lists a topic's commands; ouro COMMAND --help shows one command's options.",
    "",
  ].join("\n");
}

/** The commands of one topic, each with its arguments and what it does. */
export function topicHelp(program: Command, topic: string): string {
  const commands = program.commands.filter((c) => topicOf(c) === topic);
  if (!commands.length) throw new CliError(`${topic} is not a topic. ouro help lists them.`);
  const usage = (c: Command) =>
    [c.name(), ...c.registeredArguments.map((a) => { const name = `${a.name()}${a.variadic ? "..." : ""}`; return a.required ? `<${name}>` : `[${name}]`; })].join(" ");
  const width = Math.max(...commands.map((c) => usage(c).length));
  const about = TOPICS[topic];
  return [
    `ouro ${topic}${about ? `: ${about.about}` : ""}`,
    "",
    ...commands.map((c) => `  ${usage(c).padEnd(width)}  ${c.description()}`),
    ...(about ? ["", `Example: ${about.example}`] : []),
    "",
  ].join("\n");
}

/** `ouro help [TOPIC]` and `ouro` alone / `--help` print the topics instead of commander's long list. */
export function useTopicHelp(program: Command): void {
  program.helpCommand(false);
  program.helpInformation = () => topicsHelp(program);
  program
    .command("help")
    .argument("[topic]", "a topic, or a command (ouro help ps:scale)")
    .description("list the topics, a topic's commands, or one command's usage")
    .action((topic: string | undefined) => {
      if (topic === undefined) return void process.stdout.write(topicsHelp(program));
      const command = program.commands.find((c) => c.name() === topic || c.aliases().includes(topic));
      if (command && topic.includes(":")) return void process.stdout.write(command.helpInformation());
      process.stdout.write(topicHelp(program, topic.split(":")[0]!));
    });
}
