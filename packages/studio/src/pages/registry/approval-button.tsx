import { useState } from 'react';
import { Button, Group, Modal, Stack, Textarea } from '@mantine/core';
import { loam } from '../../api/client.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { toUserFacingError, type UserFacingError } from '../../schema/problems.js';

/** Approve or reject one version with a comment (UpdateModelPackage's ApprovalDescription). */
export function ApprovalButton({ arn, label, status, onDone }: { arn: string; label: string; status: 'Approved' | 'Rejected'; onDone: () => void }) {
  const verb = status === 'Approved' ? 'Approve' : 'Reject';
  const [open, setOpen] = useState(false);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UserFacingError | undefined>();
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await loam.UpdateModelPackage({ ModelPackageArn: arn, ModelApprovalStatus: status, ...(comment.trim() ? { ApprovalDescription: comment.trim() } : {}) });
      setOpen(false);
      setComment('');
      onDone();
    } catch (e) {
      setError(toUserFacingError(e, { iamAction: 'sagemaker:UpdateModelPackage' }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button size="xs" variant="light" color={status === 'Approved' ? 'teal' : 'red'} aria-label={`${verb} ${label}`} onClick={() => setOpen(true)}>
        {verb}
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={`${verb} ${label}`} centered>
        <Stack>
          <Textarea label="Comment" description="Recorded with the approval history." value={comment} onChange={(e) => setComment(e.currentTarget.value)} maxLength={1024} autosize minRows={2} data-autofocus />
          {error && <ErrorAlert error={error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button color={status === 'Approved' ? 'teal' : 'red'} loading={busy} onClick={() => void submit()}>
              {verb}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
