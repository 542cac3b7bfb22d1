/**
 * The app's customer files (convex/files.ts) on the local backend, through the real flow: an upload
 * URL from a mutation, the bytes POSTed to it, the attach, a list whose URL serves the bytes with
 * their type; removal deletes the bytes; the clean-up deletes an unattached upload and keeps the rest.
 */
import { ConvexHttpClient } from "convex/browser";
import { beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { adminClient, asPublic, projectBackend, signToken } from "./helpers";

const project = projectBackend();
let ada: ConvexHttpClient;
let workspaceId: Id<"workspaces">;
let customerId: Id<"customers">;

async function upload(bytes: Uint8Array<ArrayBuffer>, type: string): Promise<Id<"_storage">> {
  const url = await ada.mutation(api.files.generateUploadUrl, { workspaceId, customerId });
  const response = await fetch(url, { method: "POST", headers: { "Content-Type": type }, body: bytes });
  expect(response.status).toBe(200);
  return ((await response.json()) as { storageId: Id<"_storage"> }).storageId;
}

const listed = async () =>
  (await ada.query(api.files.list, { workspaceId, customerId, paginationOpts: { numItems: 10, cursor: null } })).page;

beforeAll(async () => {
  ada = new ConvexHttpClient(project.backend.url);
  ada.setAuth(await signToken(project.keys, "ada@example.com", { claims: { email: "ada@example.com", email_verified: true } }));
  workspaceId = await ada.mutation(api.workspaces.create, { name: "Files" });
  customerId = await ada.mutation(api.customers.create, { workspaceId, name: "Babbage", email: "charles@example.com" });
});

describe("customer files on the local backend", () => {
  it("upload, attach, list with a URL serving the bytes and their type, remove deletes the bytes", async () => {
    const bytes = new TextEncoder().encode("%PDF-1.7 contract");
    const storageId = await upload(bytes, "application/pdf");
    await ada.mutation(api.files.attach, {
      workspaceId,
      customerId,
      storageId,
      name: "contract.pdf",
      contentType: "application/pdf",
      size: bytes.length,
    });
    const [file] = await listed();
    expect(file).toMatchObject({
      name: "contract.pdf",
      contentType: "application/pdf",
      size: bytes.length,
      uploaderName: "ada@example.com",
    });
    const served = await fetch(file!.url!);
    expect(served.headers.get("content-type")).toBe("application/pdf");
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(bytes);

    await ada.mutation(api.files.remove, { workspaceId, id: file!._id });
    expect(await listed()).toEqual([]);
    expect((await fetch(file!.url!)).status).toBe(404);
  });

  it("the clean-up deletes an upload no file references and keeps attached ones", async () => {
    const attached = await upload(new Uint8Array([1, 2, 3]), "application/octet-stream");
    await ada.mutation(api.files.attach, {
      workspaceId,
      customerId,
      storageId: attached,
      name: "kept.bin",
      contentType: "",
      size: 3,
    });
    const abandoned = await upload(new Uint8Array([4, 5]), "application/octet-stream");
    const admin = adminClient(project.backend.url, project.backend.adminKey);
    // Younger than a day: kept, its attach may still be on its way.
    expect(await admin.mutation(asPublic(internal.files.forgetUnattachedUploads), {})).toEqual({ deleted: 0 });
    // With the cut-off moved past both (a day later), only the unattached one goes.
    expect(await admin.mutation(asPublic(internal.files.forgetUnattachedUploads), { before: Date.now() + 1 })).toEqual({
      deleted: 1,
    });
    const [file] = await listed();
    expect(file?.name).toBe("kept.bin");
    expect((await fetch(file!.url!)).status).toBe(200);
    await expect(
      ada.mutation(api.files.attach, {
        workspaceId,
        customerId,
        storageId: abandoned,
        name: "late.bin",
        contentType: "",
        size: 2,
      }),
    ).rejects.toThrow("That upload is not there any more");
  });
});
