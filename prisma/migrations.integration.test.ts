/**
 * The migrations build exactly the schema in schema.prisma. This also exercises the shadow-database
 * path of the offline migrate adapter (what `npm run db:migrate:dev` uses), including the catalog
 * types it has to work around.
 */
import path from "node:path";
import { expect, it } from "vitest";
import { runToCompletion } from "../scripts/lib/processes.ts";
import { databaseForThisFile } from "@/test/database.ts";

const t = databaseForThisFile();

it("has migrations that match schema.prisma, checked through a shadow database", async () => {
  const root = path.resolve(import.meta.dirname, "..");
  const diff = ["migrate", "diff", "--from-migrations", "prisma/migrations", "--to-schema-datamodel", "prisma/schema.prisma", "--exit-code"];
  // --exit-code: 0 when there is no difference, 2 when there is one.
  await expect(
    runToCompletion(path.join(root, "node_modules/.bin/prisma"), diff, { cwd: root, env: { ...process.env, DATABASE_URL: t.url }, quiet: true }),
  ).resolves.toBeUndefined();

  const shadows = await t.db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pg_database WHERE datname LIKE 'prisma_shadow_%'`;
  expect(Number(shadows[0]?.n)).toBe(0);
});
