import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { collaboratorsApi } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "access", "list who has access to an app: its owner, then its collaborators").action(
    async (options: AppOptions) => {
      const app = await appOf(ctx, options);
      // The owner first, then the collaborators in the API's order (by email).
      const listed = await collaboratorsApi(ctx.api).list(app);
      const collaborators = [...listed.filter((c) => c.role === "owner"), ...listed.filter((c) => c.role !== "owner")];
      if (options.json) return ctx.print.json(collaborators);
      ctx.print.heading(`${app} Access List`);
      ctx.print.table(collaborators, [
        { header: "email", get: (c) => c.user.email },
        { header: "role", get: (c) => c.role },
      ]);
    },
  );
};
