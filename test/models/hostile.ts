/**
 * Hostile pickles for the safety tests: each way a pickle can import and call something, written
 * opcode by opcode. Every payload would run `touch <marker>` (or open a file) when loaded.
 */
import { op, pickle, zipStored } from './writers.js';

/** Pickles that run a command when loaded, by name, with the globals the verdict must list. */
export function hostilePickles(marker: string): Record<string, { bytes: Buffer; globals: string[] }> {
  const cmd = `touch ${marker}`;
  const call = (module: string, name: string, ...args: Buffer[]): Buffer => pickle(op.global(module, name), op.mark, ...args, op.tuple, op.reduce);
  return {
    // GLOBAL + REDUCE: the classic os.system payload (protocol 0).
    'os-system.pkl': { bytes: pickle(call('os', 'system', op.str(cmd)), op.stop), globals: ['os.system'] },
    'posix-system.pkl': { bytes: pickle(op.proto(2), call('posix', 'system', op.str(cmd)), op.stop), globals: ['posix.system'] },
    // INST: import and call in one opcode.
    'subprocess-inst.pkl': {
      bytes: pickle(op.mark, op.mark, op.str('touch'), op.str(marker), Buffer.from('l'), op.inst('subprocess', 'Popen'), op.stop),
      globals: ['subprocess.Popen'],
    },
    // Python 2 module name, mapped as pickle's fix_imports does.
    'builtin-eval.pkl': { bytes: pickle(op.proto(2), call('__builtin__', 'eval', op.str(`__import__('os').system('${cmd}')`)), op.stop), globals: ['builtins.eval'] },
    'builtins-exec.pkl': { bytes: pickle(op.proto(4), call('builtins', 'exec', op.str(`import os; os.system('${cmd}')`)), op.stop), globals: ['builtins.exec'] },
    // getattr(__import__('os'), 'system')(cmd)
    'getattr-import.pkl': {
      bytes: pickle(op.proto(2), op.global('builtins', 'getattr'), op.mark, call('builtins', '__import__', op.str('os')), op.str('system'), op.tuple, op.reduce, op.mark, op.str(cmd), op.tuple, op.reduce, op.stop),
      globals: ['builtins.__import__', 'builtins.getattr'],
    },
    'runpy.pkl': { bytes: pickle(op.proto(2), call('runpy', '_run_code', op.str(`import os; os.system('${cmd}')`), op.emptyDict), op.stop), globals: ['runpy._run_code'] },
    'webbrowser.pkl': { bytes: pickle(op.proto(2), call('webbrowser', 'open', op.str('https://attacker.example/')), op.stop), globals: ['webbrowser.open'] },
    // STACK_GLOBAL whose module and name come back from the memo, after decoys are popped.
    'stack-global-memo.pkl': {
      bytes: pickle(
        op.proto(4),
        op.shortStr('os'), op.memoize, op.pop,
        op.shortStr('system'), op.memoize, op.pop,
        op.binget(0), op.binget(1), op.stackGlobal,
        op.mark, op.shortStr(cmd), op.tuple, op.reduce, op.stop,
      ),
      globals: ['os.system'],
    },
    // STACK_GLOBAL on a computed module name: never resolvable statically, always unsafe.
    'stack-global-computed.pkl': {
      bytes: pickle(op.proto(4), call('builtins', 'str', op.shortStr('os')), op.shortStr('system'), op.stackGlobal, op.mark, op.shortStr(cmd), op.tuple, op.reduce, op.stop),
      globals: ['<computed builtins.str(...)."system">', 'builtins.str'],
    },
    // OBJ: the class comes after the mark.
    'obj.pkl': { bytes: pickle(op.proto(2), op.mark, op.global('os', 'system'), op.str(cmd), op.obj, op.stop), globals: ['os.system'] },
    // An extension-registry code names a global stachub cannot see.
    'ext1.pkl': { bytes: pickle(op.proto(2), op.ext1(42), op.mark, op.str(cmd), op.tuple, op.reduce, op.stop), globals: ['<copyreg extension 42>'] },
    // A harmless first pickle, then a hostile one (readers that load several pickles run it).
    'second-pickle.pkl': { bytes: pickle(op.proto(2), op.none, op.stop, op.proto(2), call('os', 'system', op.str(cmd)), op.stop), globals: ['os.system'] },
  };
}

/**
 * A PyTorch-looking archive whose data.pkl builds an OrderedDict and also calls os.system: what a
 * poisoned checkpoint looks like to `torch.load(weights_only=False)`.
 */
export function hostileCheckpoint(marker: string): Buffer {
  const data = pickle(
    op.proto(2),
    op.global('collections', 'OrderedDict'), op.emptyTuple, op.reduce,
    op.shortStr('x'),
    op.global('os', 'system'), op.mark, op.str(`touch ${marker}`), op.tuple, op.reduce,
    op.setitem, op.stop,
  );
  return zipStored([
    { name: 'archive/data.pkl', data },
    { name: 'archive/version', data: Buffer.from('3\n') },
  ]);
}

/** A zip holding a zip holding a hostile pickle. */
export function nestedZip(marker: string): Buffer {
  const inner = zipStored([{ name: 'payload.pkl', data: hostilePickles(marker)['os-system.pkl']!.bytes }]);
  return zipStored([{ name: 'README.txt', data: Buffer.from('weights inside') }, { name: 'inner.zip', data: inner }]);
}
