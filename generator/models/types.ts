/**
 * What `stachub inspect` reports about a model file that is not ONNX (DESIGN.md, "`stachub inspect
 * --json`"): the names ONNX uses where they mean the same (`parameterCount`, `inputs`, `outputs`,
 * `weightBytes`), plus `format`, the tensors, and the safety verdict of every pickle.
 */
import type { ValueInfo } from '../onnx/types.js';

/** Formats recognised by their content. */
export type ModelFormat =
  | 'pytorch' // torch.save since 1.6: a zip with data.pkl and data/<storage>
  | 'torchscript' // torch.jit.save: the same zip plus code/ and constants.pkl
  | 'pytorch-legacy' // torch.save before 1.6: pickles then raw storages
  | 'pickle' // any other pickle (.pkl, .joblib)
  | 'zip' // a zip that is not a PyTorch archive, read for the pickles it holds
  | 'safetensors'
  | 'safetensors-index' // model.safetensors.index.json of a sharded model
  | 'gguf';

/** Which part of a checkpoint a tensor belongs to. */
export type TensorGroup = 'model' | 'optimizer' | 'other';

/** One tensor, from its header only. */
export interface TensorInfo {
  /** State-dict key, or its path in nested checkpoints (`state_dict/encoder.weight`). */
  name: string;
  /** MLM names where MLM has one (`float32`, `int64`...), else `bool`, `bfloat16`, `qint8`, GGML names (`q4_k`)... */
  dataType: string;
  shape: number[];
  /** Elements (the product of the shape). */
  elements: number;
  /** Bytes of the tensor's own data (its storage's bytes for PyTorch: views share one). */
  bytes: number;
  group: TensorGroup;
  /** PyTorch: the storage key (`data/<key>` in the archive), shared by views of one storage. */
  storage?: string;
  /** PyTorch: where the storage was saved from (`cpu`, `cuda:0`). */
  device?: string;
  /** safetensors shard (sharded models). */
  file?: string;
}

/** Count, data types and the largest tensors: what a model page shows. */
export interface TensorSummary {
  count: number;
  /** Per data type: tensors, elements and bytes (model tensors only). */
  byDataType: Record<string, { tensors: number; elements: number; bytes: number }>;
  /** The five largest model tensors by elements. */
  largest: { name: string; dataType: string; shape: number[]; elements: number }[];
}

/** Summary of one model file (not ONNX). */
export interface ModelSummary {
  format: ModelFormat;
  /** Elements of the model's tensors (optimizer state and other tensors counted apart). */
  parameterCount: number;
  /** Inputs where the format records them (TorchScript `forward` signatures), else `[]`. */
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /** Bytes of the model's tensors (shared storages once), in total and by data type. */
  weightBytes: { total: number; byDataType: Record<string, number> };
  tensorSummary: TensorSummary;
  /** Optimizer state (PyTorch checkpoints): tensors, elements and bytes, not in `parameterCount`. */
  optimizer: { tensors: number; elements: number; bytes: number };
  /** Every tensor found (every group), in file order. */
  tensors: TensorInfo[];
  /** Framework as MLM names it (`PyTorch`, `PyTorch Lightning`, `llama.cpp`...), when the file says. */
  framework?: string;
  /** Its version, where the file records it (Lightning checkpoints, `__metadata__`). */
  frameworkVersion?: string;
  /** MLM artifact type (`torch.save`, `torch.jit.save`, `safetensors.torch.save_file`, `gguf`). */
  artifactType: string;
  /** Devices the storages were saved from (PyTorch), e.g. `["cuda:0"]`: an accelerator hint. */
  devices: string[];
  /** Key-values the file records: safetensors `__metadata__`, GGUF metadata, checkpoint scalars (epoch...). */
  metadata: Record<string, unknown>;
  /** The verdict on every pickle of the file (PyTorch, pickle and zip formats). */
  pickleSafety?: PickleSafety;
  /** Files a sharded model or a TorchScript archive names (shards, code files). */
  files?: string[];
  /** Notes on what could not be described (legacy pickles: size only). */
  notes: string[];
}

/** The verdict on the pickles of one file. */
export interface PickleSafety {
  verdict: 'safe' | 'unsafe';
  /** Every global imported, sorted, each once. */
  globals: string[];
  /** The globals that make the verdict unsafe (not on the allow-list), sorted. */
  unsafeGlobals: string[];
  /** Globals known to run commands or code (a subset of `unsafeGlobals`), for the warning. */
  dangerousGlobals: string[];
  /** Number of pickles read (e.g. `data.pkl` and `constants.pkl` of a TorchScript archive). */
  pickles: number;
  /** Why a pickle could not be read to its end (then the verdict is unsafe). */
  unreadable?: string[];
}
