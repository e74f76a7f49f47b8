import { z } from "zod";
import {
  addAgentInput,
  addAgentToRoom,
  createRoom,
  createRoomInput,
  deleteRoom,
  getRoom,
  listRooms,
  listRoomsInput,
  removeAgentFromRoom,
  removeAgentInput,
  reorderAgentsInput,
  reorderRoomAgents,
  restoreRoom,
  updateRoom,
  updateRoomInput,
} from "../../domain/rooms/rooms.ts";
import { createFromTemplateInput, createRoomFromTemplate, roomTemplates } from "../../domain/rooms/templates.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

const byId = z.object({ id: z.uuid() });

export const roomsRouter = createTRPCRouter({
  list: protectedProcedure.input(listRoomsInput).query(({ ctx, input }) => listRooms(ctx.db, ctx.user.id, input)),
  byId: protectedProcedure.input(byId).query(({ ctx, input }) => getRoom(ctx.db, ctx.user.id, input.id)),
  templates: protectedProcedure.query(() => roomTemplates.map(({ id, name, description, mode, agents }) => ({ id, name, description, mode, agents: agents.map((a) => a.name) }))),
  createFromTemplate: protectedProcedure.input(createFromTemplateInput).mutation(({ ctx, input }) => createRoomFromTemplate(ctx.db, ctx.user.id, input.templateId)),
  create: protectedProcedure.input(createRoomInput).mutation(({ ctx, input }) => createRoom(ctx.db, ctx.user.id, input)),
  update: protectedProcedure.input(updateRoomInput).mutation(({ ctx, input }) => updateRoom(ctx.db, ctx.user.id, input)),
  delete: protectedProcedure.input(byId).mutation(({ ctx, input }) => deleteRoom(ctx.db, ctx.user.id, input.id)),
  restore: protectedProcedure.input(byId).mutation(({ ctx, input }) => restoreRoom(ctx.db, ctx.user.id, input.id)),
  addAgent: protectedProcedure.input(addAgentInput).mutation(({ ctx, input }) => addAgentToRoom(ctx.db, ctx.user.id, input)),
  removeAgent: protectedProcedure.input(removeAgentInput).mutation(({ ctx, input }) => removeAgentFromRoom(ctx.db, ctx.user.id, input)),
  reorderAgents: protectedProcedure.input(reorderAgentsInput).mutation(({ ctx, input }) => reorderRoomAgents(ctx.db, ctx.user.id, input)),
});
