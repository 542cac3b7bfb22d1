import { type DragEvent, type MouseEvent, useId, useState } from "react";
import type { FileEntry } from "../../../../convex/files";
import { ConfirmDialog } from "../../../components/confirm-dialog";
import { formatBytes, MAX_FILE_BYTES } from "../../../../convex/lib/fileRules";
import { ErrorMessage } from "../../../components/error-message";
import { LoadMoreButton } from "../../../components/load-more-button";
import { toUserFacingError } from "../../../lib/convex-errors";
import { useLivePages } from "../../../lib/live-pages";
import { type Upload, useFileUploads } from "../file-uploads";
import { useTimeZone } from "../../../components/time-zone";
import { formatMoment } from "../../../lib/format-date";
import { useRemoveFile } from "../mutations";
import { customerQueries, inWorkspace, type WorkspaceRef } from "../queries";

interface FilesTabProps {
  workspaceId: WorkspaceRef;
  customerId: string;
}

/** The Files tab: attach files (a button, or dropped anywhere on the tab), then the customer's files, newest first, live. */
export function FilesTab({ workspaceId, customerId }: FilesTabProps) {
  const { items, canLoadMore, loadingMore, loadMore } = useLivePages((bounds) =>
    customerQueries.files(workspaceId, customerId, bounds),
  );
  const uploads = useFileUploads(workspaceId, customerId);
  const [dragging, setDragging] = useState(false);
  const inputId = useId();

  function onDragOver(event: DragEvent<HTMLElement>) {
    if (!event.dataTransfer.types.includes("Files")) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    setDragging(true);
  }

  function onDrop(event: DragEvent<HTMLElement>) {
    event.preventDefault();
    setDragging(false);
    uploads.start(event.dataTransfer.files);
  }

  return (
    <section
      data-testid="customer-files"
      aria-label="Files"
      className={dragging ? "files-tab dragging" : "files-tab"}
      onDragOver={onDragOver}
      onDragLeave={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <div className="dropzone">
        <label htmlFor={inputId}>Attach files, or drop them here</label>
        <input
          id={inputId}
          type="file"
          multiple
          onChange={(event) => {
            if (event.target.files) uploads.start(event.target.files);
            // The same file can be chosen again (after a cancel).
            event.target.value = "";
          }}
        />
        <p className="muted">Up to {formatBytes(MAX_FILE_BYTES)} each.</p>
      </div>
      {uploads.uploads.length > 0 ? (
        // eslint-disable-next-line jsx-a11y/no-redundant-roles -- Safari drops list semantics from a list styled without markers
        <ul className="uploads" role="list" aria-label="Uploads">
          {uploads.uploads.map((upload) => (
            <UploadItem key={upload.key} upload={upload} onCancel={uploads.cancel} onDismiss={uploads.dismiss} />
          ))}
        </ul>
      ) : null}
      <p className="visually-hidden" role="status">
        {uploads.announcement}
      </p>
      {items.length === 0 ? (
        <p className="muted">No files yet.</p>
      ) : (
        // eslint-disable-next-line jsx-a11y/no-redundant-roles -- Safari drops list semantics from a list styled without markers
        <ol className="timeline" role="list">
          {items.map((file) => (
            <FileItem key={file._id} file={file} workspaceId={workspaceId} />
          ))}
        </ol>
      )}
      <LoadMoreButton canLoadMore={canLoadMore} loadingMore={loadingMore} loadMore={loadMore} />
    </section>
  );
}

function UploadItem({
  upload,
  onCancel,
  onDismiss,
}: {
  upload: Upload;
  onCancel: (key: string) => void;
  onDismiss: (key: string) => void;
}) {
  if (upload.state === "refused" || upload.state === "failed") {
    return (
      <li data-testid="upload" className="upload">
        <ErrorMessage>{upload.message}</ErrorMessage>
        <button type="button" className="button button-secondary" onClick={() => onDismiss(upload.key)}>
          Dismiss<span className="visually-hidden"> {upload.name}</span>
        </button>
      </li>
    );
  }
  const percent = upload.size === 0 ? 100 : Math.floor((upload.sent / upload.size) * 100);
  return (
    <li data-testid="upload" className="upload">
      <span className="upload-name">{upload.name}</span>
      <progress max={upload.size || 1} value={upload.size === 0 ? 1 : upload.sent} aria-label={`Uploading ${upload.name}`} />
      <span className="muted">{upload.state === "attaching" ? "Attaching…" : `${percent}%`}</span>
      {upload.state === "uploading" ? (
        <button type="button" className="button button-secondary" onClick={() => onCancel(upload.key)}>
          Cancel<span className="visually-hidden"> upload of {upload.name}</span>
        </button>
      ) : null}
    </li>
  );
}

/**
 * Saves a file under its original name. The file is on Convex's origin, where a link's `download`
 * attribute is ignored (it works same-origin only): the bytes are fetched (storage allows any
 * origin) and saved from a same-origin blob: URL. Without JavaScript the link opens the file.
 */
async function saveAs(event: MouseEvent<HTMLAnchorElement>, url: string, name: string): Promise<void> {
  event.preventDefault();
  const response = await fetch(url);
  if (!response.ok) throw new Error(`The file could not be downloaded (HTTP ${response.status}).`);
  const blobUrl = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = blobUrl;
  link.download = name;
  link.click();
  // After the click has handed the blob to the download.
  setTimeout(() => URL.revokeObjectURL(blobUrl), 60_000);
}

/**
 * Types a browser shows without running anything in them. Any other file (HTML, SVG, …) would run
 * its scripts on the storage URL's origin, which with the local backend is the app's own host on
 * another port (the same site): those are offered for download only.
 */
const SAFE_TO_OPEN = /^(image\/(png|jpeg|gif|webp|avif)|application\/pdf|text\/plain|audio\/[\w.+-]+|video\/[\w.+-]+)(;|$)/;

function opensSafely(contentType: string): boolean {
  return SAFE_TO_OPEN.test(contentType);
}

function FileItem({ file, workspaceId }: { file: FileEntry; workspaceId: WorkspaceRef }) {
  const remove = useRemoveFile();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const timeZone = useTimeZone();

  async function confirmRemove() {
    setError(null);
    try {
      await remove.mutateAsync(inWorkspace(workspaceId, { id: file._id }));
    } catch (cause) {
      setConfirming(false);
      setError(`The file was not removed: ${toUserFacingError(cause).message}`);
    }
  }

  return (
    <li data-testid="file" className="file">
      <div className="note-meta">
        {file.url && opensSafely(file.contentType) ? (
          <a href={file.url} target="_blank" rel="noopener noreferrer" className="file-name">
            {file.name}
          </a>
        ) : (
          <span className="file-name">{file.name}</span>
        )}
        <time className="muted" dateTime={new Date(file._creationTime).toISOString()}>
          {formatMoment(file._creationTime, timeZone)}
        </time>
      </div>
      <p className="muted file-facts">
        {file.contentType} · {formatBytes(file.size)} · added by {file.uploaderName}
      </p>
      <ErrorMessage>{error}</ErrorMessage>
      {confirming ? (
        <ConfirmDialog
          question={`Remove ${file.name}? This cannot be undone.`}
          confirmLabel="Yes, remove"
          onConfirm={() => void confirmRemove()}
          onKeep={() => setConfirming(false)}
        />
      ) : (
        <div className="tab-actions">
          {file.url ? (
            <a
              href={file.url}
              download={file.name}
              className="button button-secondary"
              onClick={(event) => {
                setError(null);
                saveAs(event, file.url!, file.name).catch((cause: unknown) => setError(toUserFacingError(cause).message));
              }}
            >
              Download<span className="visually-hidden"> {file.name}</span>
            </a>
          ) : null}
          {file.canRemove ? (
            <button type="button" className="button button-secondary" onClick={() => setConfirming(true)}>
              Remove<span className="visually-hidden"> {file.name}</span>
            </button>
          ) : null}
        </div>
      )}
    </li>
  );
}
