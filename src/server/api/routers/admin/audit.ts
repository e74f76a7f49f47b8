/** `admin.audit.*` (PRODUCT.md 9). Reads are staffProcedure (owners and analysts), writes ownerProcedure. */
import { auditFacets, listAudit, listAuditInput } from "../../../domain/admin/audit-list.ts";
import { createTRPCRouter, staffProcedure } from "../../trpc.ts";

export const auditRouter = createTRPCRouter({
  /** Newest first, paged (`cursor`: the last id of the previous page), filtered by actor, action and target. */
  list: staffProcedure.input(listAuditInput).query(({ ctx, input }) => listAudit(ctx.db, input)),
  /** The actions and target types recorded so far, for the filters. */
  facets: staffProcedure.query(({ ctx }) => auditFacets(ctx.db)),
});
