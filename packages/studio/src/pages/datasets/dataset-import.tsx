import { useState, type FormEvent } from 'react';
import { Button, Group, NativeSelect, Progress, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { loam } from '../../api/client.js';
import { toUserFacingError, type UserFacingError } from '../../schema/problems.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { uploadDatasetFile, type UploadProgress } from './upload-file.js';

const NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/**
 * A dataset name proposed from a file name or an s3:// key (its last segment): the extensions dropped
 * (`.csv.gz`, `.parquet`, …), lower case, every run of other characters one hyphen (`breast_cancer.csv` →
 * `breast-cancer`). Empty when nothing usable is left.
 */
export function datasetNameFrom(path: string): string {
  const base = path.split(/[/\\]/).pop() ?? '';
  const stem = base.replace(/(\.gz)?$/i, '').replace(/\.(csv|tsv|txt|parquet|jsonl|json)$/i, '');
  return stem.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
}
/** The server's field messages this form shows next to a field; the alert shows the rest (e.g. /Source). */
const placedFields = (f: UserFacingError, mode: 'upload' | 's3') => Object.keys(f.fields).filter((k) => k === 'DatasetName' || (mode === 's3' && k === 'SourceUri'));
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 2 : 0)} MB`;

const ENCODINGS = [
  { value: '', label: 'Detect' },
  { value: 'utf-8', label: 'UTF-8' },
  { value: 'utf-16', label: 'UTF-16' },
  { value: 'latin-1', label: 'Latin-1 (ISO-8859-1)' },
];

/**
 * Import a file as a new dataset version: upload from this computer (streamed, with a progress bar
 * from the browser's upload events) or from an s3:// URI in Loam's artifact store. Either way one
 * request with CreateDataset: a new name is created with its first version, in one transaction, so a
 * file that cannot be imported leaves no empty dataset behind (and nothing has to be deleted after).
 */
export function DatasetImport({ initialName = '', onImported }: { initialName?: string; onImported: (name: string, version: Record<string, unknown>) => void }) {
  const [mode, setMode] = useState<'upload' | 's3'>('upload');
  const [name, setName] = useState(initialName);
  const [file, setFile] = useState<File | undefined>();
  const [uri, setUri] = useState('');
  const [encoding, setEncoding] = useState('');
  const [progress, setProgress] = useState<UploadProgress | undefined>();
  const [busy, setBusy] = useState(false);
  const [nameError, setNameError] = useState<string | undefined>();
  const [sourceError, setSourceError] = useState<string | undefined>();
  const [failure, setFailure] = useState<UserFacingError | undefined>();
  // The name the form proposed from the source: replaced when another file is chosen, never what the user typed.
  const [proposed, setProposed] = useState<string | undefined>();
  const propose = (path: string) => {
    if (name !== '' && name !== proposed) return;
    const n = datasetNameFrom(path);
    setProposed(n);
    setName(n);
    if (n) setNameError(undefined);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(undefined);
    const badName = NAME.test(name) ? undefined : 'Use 1 to 63 letters, digits and hyphens, starting with a letter or digit.';
    const badSource = mode === 'upload' ? (file ? undefined : 'Choose a CSV, TSV, Parquet or JSON Lines file (gzip or not).') : /^s3:\/\/[^/]+\/.+/.test(uri) ? undefined : 'Enter an s3:// URI such as s3://my-bucket/data/train.csv.';
    setNameError(badName);
    setSourceError(badSource);
    if (badName || badSource) return;
    setBusy(true);
    try {
      const enc = encoding === '' ? undefined : (encoding as 'utf-8' | 'utf-16' | 'latin-1');
      const v =
        mode === 'upload'
          ? await uploadDatasetFile(name, file as File, setProgress, undefined, { CreateDataset: 'true', ...(enc ? { Encoding: enc } : {}) })
          : ((await loam.ImportDatasetVersion({ DatasetName: name, SourceUri: uri, CreateDataset: true, ...(enc ? { Csv: { Encoding: enc } } : {}) })) as unknown as Record<string, unknown>);
      onImported(name, v);
    } catch (err) {
      const f = toUserFacingError(err, { iamAction: 'sagemaker:ImportDatasetVersion' });
      if (f.fields.DatasetName) setNameError(f.fields.DatasetName);
      if (mode === 's3' && f.fields.SourceUri) setSourceError(f.fields.SourceUri);
      setFailure(f);
    } finally {
      setBusy(false);
    }
  };

  const pct = progress && progress.total > 0 ? Math.round((100 * progress.sent) / progress.total) : 0;
  return (
    <form onSubmit={(e) => void submit(e)} aria-label="Import data" noValidate>
      <Stack gap="sm">
        <TextInput label="Dataset name" description="A new name creates the dataset; an existing one gets a new version." value={name} onChange={(e) => setName(e.currentTarget.value)} error={nameError} required />
        <SegmentedControl
          value={mode}
          onChange={(v) => setMode(v as 'upload' | 's3')}
          data={[
            { value: 'upload', label: 'Upload a file' },
            { value: 's3', label: 'From an s3:// URI' },
          ]}
          aria-label="Where the data comes from"
        />
        {mode === 'upload' ? (
          <div>
            <Text component="label" htmlFor="dataset-file" size="sm" fw={500}>
              File
            </Text>
            <input id="dataset-file" type="file" accept=".csv,.tsv,.txt,.parquet,.jsonl,.json,.gz" aria-invalid={!!sourceError} aria-describedby="dataset-file-help" style={{ display: 'block', marginTop: 4 }} onChange={(e) => {
                const f = e.currentTarget.files?.[0];
                setFile(f);
                if (f) propose(f.name);
              }} />
            <Text id="dataset-file-help" size="xs" c={sourceError ? 'red' : 'dimmed'}>
              {sourceError ?? (file ? `${file.name}, ${mb(file.size)}` : 'CSV/TSV (delimiter, header and encoding detected), Parquet or JSON Lines; gzip is detected.')}
            </Text>
          </div>
        ) : (
          <TextInput label="Source URI" placeholder="s3://bucket/key.csv" value={uri} onChange={(e) => setUri(e.currentTarget.value)} onBlur={() => /^s3:\/\/[^/]+\/.+/.test(uri) && propose(uri)} error={sourceError} />
        )}
        <NativeSelect
          label="Encoding"
          description="For CSV and TSV text: detected when left on Detect; choose one if the import says the bytes are not valid in the detected encoding."
          value={encoding}
          data={ENCODINGS}
          onChange={(e) => setEncoding(e.currentTarget.value)}
        />
        {busy && mode === 'upload' && progress && (
          <Stack gap={2}>
            <Progress value={pct} aria-label="Upload progress" size="lg" animated={pct < 100} />
            <Text size="xs" c="dimmed" role="status">
              {pct < 100 ? `Uploaded ${mb(progress.sent)} of ${mb(progress.total)} (${pct} %)` : 'Uploaded; checking and typing every row…'}
            </Text>
          </Stack>
        )}
        {failure && <ErrorAlert error={failure} placed={placedFields(failure, mode)} onClose={() => setFailure(undefined)} />}
        <Group justify="flex-end">
          <Button type="submit" loading={busy}>
            Import
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
