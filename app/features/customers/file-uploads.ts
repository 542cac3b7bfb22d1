/**
 * Uploads to a customer's files, several at once: each file is checked against the 25 MB limit
 * before anything is sent, gets an upload URL (files:generateUploadUrl), is POSTed there with
 * XMLHttpRequest (whose upload events give its progress; fetch has none) and is then attached
 * (files:attach), after which the live list shows it. Each can be cancelled until it is attached.
 */
import { useConvexMutation } from "@convex-dev/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { fileSizeProblem } from "../../../convex/lib/fileRules";
import { toUserFacingError } from "../../lib/convex-errors";
import { inWorkspace, type WorkspaceRef } from "./queries";

export interface Upload {
  key: string;
  name: string;
  size: number;
  /** Bytes sent so far. */
  sent: number;
  /** `refused`/`failed` carry `message`; an upload that succeeds or is cancelled leaves the list. */
  state: "uploading" | "attaching" | "refused" | "failed";
  message?: string;
}

class Cancelled extends Error {}

/** POSTs `file` to an upload URL, reporting bytes sent; resolves to the storage id. */
function post(url: string, file: File, signal: AbortSignal, onProgress: (sent: number) => void): Promise<Id<"_storage">> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", url);
    // What storage will serve it as; a browser that cannot tell leaves it to storage.
    if (file.type) request.setRequestHeader("Content-Type", file.type);
    request.responseType = "json";
    request.upload.onprogress = (event) => onProgress(event.loaded);
    request.onload = () => {
      const body: unknown = request.response;
      if (
        request.status === 200 &&
        typeof body === "object" &&
        body !== null &&
        "storageId" in body &&
        typeof body.storageId === "string"
      ) {
        resolve(body.storageId as Id<"_storage">);
      } else {
        reject(new Error(`The upload was refused (HTTP ${request.status}).`));
      }
    };
    request.onerror = () => reject(new Error("The upload was interrupted; check the connection and try again."));
    request.onabort = () => reject(new Cancelled());
    signal.addEventListener("abort", () => request.abort(), { once: true });
    request.send(file);
  });
}

export function useFileUploads(workspaceId: WorkspaceRef, customerId: string) {
  const [uploads, setUploads] = useState<Upload[]>([]);
  /** What is said to screen readers when an upload ends ("contract.pdf attached"). */
  const [announcement, setAnnouncement] = useState("");
  const controllers = useRef(new Map<string, AbortController>());
  const generateUploadUrl = useConvexMutation(api.files.generateUploadUrl);
  const attach = useConvexMutation(api.files.attach);

  const change = useCallback((key: string, update: Partial<Upload> | null) => {
    setUploads((current) =>
      update === null ? current.filter((u) => u.key !== key) : current.map((u) => (u.key === key ? { ...u, ...update } : u)),
    );
  }, []);

  // Leaving the tab stops what is still being sent (a half-sent upload stores nothing).
  useEffect(() => {
    const running = controllers.current;
    return () => {
      for (const controller of running.values()) controller.abort();
    };
  }, []);

  const uploadOne = useCallback(
    async (file: File) => {
      const key = crypto.randomUUID();
      const tooLarge = fileSizeProblem(file.name, file.size);
      const upload: Upload = { key, name: file.name, size: file.size, sent: 0, state: tooLarge ? "refused" : "uploading" };
      setUploads((current) => [...current, tooLarge ? { ...upload, message: tooLarge } : upload]);
      if (tooLarge) return;
      const controller = new AbortController();
      controllers.current.set(key, controller);
      try {
        const url = await generateUploadUrl(inWorkspace(workspaceId, { customerId }));
        if (controller.signal.aborted) throw new Cancelled();
        const storageId = await post(url, file, controller.signal, (sent) => change(key, { sent }));
        change(key, { state: "attaching", sent: file.size });
        await attach(
          inWorkspace(workspaceId, { customerId, storageId, name: file.name, contentType: file.type, size: file.size }),
        );
        change(key, null);
        setAnnouncement(`${file.name} attached`);
      } catch (cause) {
        if (cause instanceof Cancelled) {
          change(key, null);
          setAnnouncement(`Upload of ${file.name} cancelled`);
        } else {
          change(key, { state: "failed", message: `${file.name} was not attached: ${toUserFacingError(cause).message}` });
        }
      } finally {
        controllers.current.delete(key);
      }
    },
    [attach, change, customerId, generateUploadUrl, workspaceId],
  );

  return {
    uploads,
    announcement,
    start: useCallback(
      (files: Iterable<File>) => {
        for (const file of files) void uploadOne(file);
      },
      [uploadOne],
    ),
    /** Stops an upload still being sent; once its attach is on its way, it completes. */
    cancel: useCallback((key: string) => controllers.current.get(key)?.abort(), []),
    dismiss: useCallback((key: string) => change(key, null), [change]),
  };
}
