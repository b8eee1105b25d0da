import { describe, expect, it } from 'vitest';
import { resolveImage, type ResolveImageInput } from './image-resolver.js';

const base = { field: 'AppSpecification.ImageUri', hyperParameters: {}, hasEntrypoint: false, processImages: {} } as const;
const resolve = (over: Partial<ResolveImageInput> & { uri: string; kind: ResolveImageInput['kind'] }) => resolveImage({ ...base, ...over });

describe('image resolver: the built-in data-wrangler processing image', () => {
  it("runs Loam's and SageMaker's Data Wrangler image names as the built-in image in a processing job", () => {
    expect(resolve({ uri: 'loam/data-wrangler:1', kind: 'processing-job' })).toEqual({ type: 'builtin', algorithm: 'data-wrangler', uri: 'loam/data-wrangler:1' });
    const sm = '174368400705.dkr.ecr.us-west-2.amazonaws.com/sagemaker-data-wrangler-container:1.x';
    expect(resolve({ uri: sm, kind: 'processing-job' })).toEqual({ type: 'builtin', algorithm: 'data-wrangler', uri: sm });
  });

  it('runs a ContainerEntrypoint instead when one is given, as for any image', () => {
    expect(resolve({ uri: 'data-wrangler', kind: 'processing-job', hasEntrypoint: true })).toEqual({ type: 'process', name: 'data-wrangler', uri: 'data-wrangler' });
  });

  it('refuses it as a training image, naming the field', () => {
    expect(() => resolve({ uri: 'loam/data-wrangler:1', kind: 'training-job', field: 'AlgorithmSpecification.TrainingImage' }))
      .toThrow("Image 'loam/data-wrangler:1' at 'AlgorithmSpecification.TrainingImage' is a built-in processing image: run it in a processing job.");
  });

  it('lists it among the known images when an image is unknown', () => {
    expect(() => resolve({ uri: 'nope:1', kind: 'processing-job' })).toThrow(/Known: .*data-wrangler/);
  });
});
