export { checkpointRounds, GbdtCheckpointWriter, parseGbdtCheckpoint, type GbdtCheckpoint } from './checkpoint.js';
export { GbdtModel, type GbdtMetric, type ImportanceType } from './gbdt-model.js';
export { GBDT_FORMAT_VERSION, isLeaf, type GbdtModelData, type GbdtModelJson, type GbdtObjective, type GbdtTree, type GbdtTreeJson } from './model.js';
export { parseGbdtParams, type GbdtEvalMetric, type GbdtParams } from './params.js';
export { trainGbdt, type TrainGbdtOptions } from './train.js';
