import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { presetIds } from '../../src-shared/classes';
import { ApiError } from '../../src-shared/errors';
import { appVersion } from '../services/version';
import { electronSqliteBinding } from './electron-native';
import { importCommand, sampleCommand } from './import';
import { trainCommand } from './train';
import { evalCommand, exportCommand, predictCommand } from './evaluate';
import { importMasksCommand, importModelCommand } from './import-model';
import { duplicatesCommand, splitCommand, mergeCommand, pseudoCommand } from './data-commands';
import { labelErrorsCommand } from './label-errors';
import { weightsCommand } from './weights';
import { packageRoot } from './paths';
import { serve } from './serve';

const usage = `SegBench ${appVersion}: a workbench for semantic-segmentation experiments.

Usage:
  segbench start [--data-dir DIR]              open the desktop app (serve mode in a browser when Electron is not installed)
  segbench serve [--port N] [--host H] [--data-dir DIR] [--open] [--no-sample]
                                               run the app for a browser at http://127.0.0.1:N (port 4780 by default)
  segbench import --images DIR [--masks DIR] --name NAME [--preset P] [--data-dir DIR] [--json]
                                               pair images with masks, index them and print the import report;
                                               again with the same name: re-index new and changed files only.
                                               Presets: auto (default), none, ${presetIds.join(', ')}
  segbench sample [--count N] [--size S] [--seed K] [--multispectral] [--data-dir DIR] [--json]
                                               generate and import the synthetic sample dataset (200 tiles of 256x256;
                                               --multispectral: 60 kelp tiles, 7-band GeoTIFF, 350x350)
  segbench train --dataset NAME [--model M] [--epochs N] [--size S] [--batch B] [--backend B] [--config FILE] [--json]
  segbench train --resume RUN                  train in the engine with progress; prints the run id, best epoch, mIoU
                 [--replicate "A,B" --replicate-share 0.05 --replicate-times 2]   repeat images rich in classes A, B
                 [--minority-crops "A,B" --minority-share 0.7]                    centre that share of crops on A, B
                 [--bands "NIR,Red,Green" --index NDVI --index "R=(SWIR-NIR)/(SWIR+NIR)"]  multispectral input channels
                 [--distill-from RUN --distill-alpha 0.7 --distill-temperature 2 --distill-matrix FILE]
                                               learn from a finished run (matrix: JSON rows per teacher class, sum 1)
                                               and per-class IoU. Models: unet, unet-mobilenetv2, deeplabv3plus, fpn
                 [--encoder resnet18|resnet34|resnet50|mobilenet_v2|efficientnet-b0..b3 [--encoder-weights imagenet]]
                                               unet, fpn or deeplabv3plus on the encoder (the U-Net is SMP's), from
                                               ImageNet weights in the weights cache (segbench weights pull resnet34
                                               first; ImageNet normalisation)
                 [--pretrained FILE]           start the whole model from a tfjs model.json, or from an SMP Unet's
                                               state_dict (.safetensors) with the same --encoder
  segbench eval --run ID [--split val|test] [--checkpoint best|last] [--json]
  segbench predict --run ID --images DIR --out DIR [--checkpoint best|last] [--encoding E]
                                               a label PNG and a colour PNG per image; large images by sliding window.
                                               E: mask-values (default: the dataset's own mask values, index or RGB),
                                               class-index (0..n-1), palette (colour PNG only)
  segbench export --run ID --out FILE.onnx [--checkpoint best|last] [--format onnx] [--json]
                                               the run's model as ONNX (opset 17, NHWC in, logits out) with its
                                               classes, colours, mask values and normalisation in FILE.onnx.json
  segbench import-model (--onnx FILE | --safetensors FILE --encoder E) --dataset NAME [--classes FILE] [--normalize imagenet|none|MEAN,STD]
                 [--window N] [--name N] [--json]
                                               a model trained elsewhere (PyTorch: torch.onnx.export) as a run of the
                                               dataset: layout, logits or probabilities, classes and stride are found
                                               by running it; eval, predict, Compare and Inspect then take it.
                                               --classes: its output names in order, one per line, if not the dataset's;
                                               --normalize on 0..1 pixels (default imagenet, or the file's own if
                                               SegBench exported it); --safetensors: a segmentation_models_pytorch
                                               Unet's state_dict, converted to ONNX by SegBench
  segbench import-masks --masks DIR --dataset NAME [--name N] [--json]
                                               masks predicted elsewhere, in the dataset's own encoding (tile1.png or
                                               tile1_mask.png for tile1.jpg), as a run: eval, Compare and Inspect
  segbench merge --config FILE [--preview]      merge datasets with a class mapping (FILE: JSON with name, classes,
                                               sources [{ dataset, mapping }], filters [{ className, maxShare }])
  segbench split --dataset NAME (--from-folders | --from-lists DIR | --val-pattern RE [--test-pattern RE]
                 | --ratios 0.8,0.2[,0] [--group RE] [--seed N]) [--json]
                                               set the split: from train/ val/ test/ folders (synonyms, any case),
                                               list files (train.txt, val.txt, test.txt), name patterns, or a random draw
  segbench duplicates --dataset NAME [--threshold 0.97] [--resplit]
                                               near-duplicate groups and the split's leakage; --resplit keeps groups together
  segbench label-errors --dataset NAME [--folds 4] [--epochs N] [--size S] [--config-from RUN | --reuse-run RUN]
                 [--score softmin|below-threshold|disagreement] [--top 20] [--json]
  segbench label-errors --resume CHECK         K fold models score every labelled image out of sample; prints the
                                               likeliest label errors (review them on the dataset's Label errors tab)
  segbench pseudo --run ID --images DIR [--threshold 0.9 --name NAME]
                                               pseudo-labels: kept share per class; with --name, save as a dataset
  segbench weights pull NAME [--data-dir DIR] [--json]
                                               pretrained encoder weights from the Hugging Face hub (timm's
                                               model.safetensors), resumable, checked against the hub's size and
                                               sha256. NAME: resnet18, resnet34, resnet50, mobilenet_v2,
                                               efficientnet-b0..b3 (timm's default tag), or with a tag:
                                               resnet34.tv_in1k; without a network it
                                               says which URL to fetch elsewhere
  segbench weights import FILE [--name NAME] [--data-dir DIR] [--json]
                                               a .safetensors file fetched by hand, checked against the encoder's
                                               tensors (found from them without --name)
  segbench weights list [--data-dir DIR] [--json]
                                               the weights cached in the data directory: name, repository, size,
                                               sha256, path
  segbench help | --help                       this text
  segbench version | --version

The data directory holds the database, checkpoints and caches: --data-dir, else SEGBENCH_HOME,
else the desktop app's folder (~/.config/SegBench on Linux).`;

const defaultPort = 4780;

async function main(argv: string[]): Promise<void> {
  const [command = 'help', ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(serveOptions(rest));
    case 'start':
      return start(rest);
    case 'import':
      return importCommand(rest);
    case 'sample':
      return sampleCommand(rest);
    case 'train':
      return trainCommand(rest);
    case 'eval':
      return evalCommand(rest);
    case 'merge':
      return mergeCommand(rest);
    case 'duplicates':
      return duplicatesCommand(rest);
    case 'split':
      return splitCommand(rest);
    case 'label-errors':
      return labelErrorsCommand(rest);
    case 'pseudo':
      return pseudoCommand(rest);
    case 'export':
      return exportCommand(rest);
    case 'import-model':
      return importModelCommand(rest);
    case 'import-masks':
      return importMasksCommand(rest);
    case 'predict':
      return predictCommand(rest);
    case 'weights':
      return weightsCommand(rest);
    case 'version':
    case '--version':
      console.log(appVersion);
      return;
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return;
    default:
      throw new ApiError(
        'VALIDATION',
        `Unknown command "${command}". Valid commands: start, serve, import, sample, train, eval, predict, export, import-model, import-masks, merge, split, duplicates, label-errors, pseudo, weights, help, version.\n\n${usage}`,
      );
  }
}

function serveOptions(args: string[]): Parameters<typeof serve>[0] {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      open: { type: 'boolean' },
      'no-sample': { type: 'boolean' },
    },
    strict: true,
  });
  const port = values.port === undefined ? defaultPort : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ApiError('VALIDATION', `--port must be a whole number from 0 to 65535 (0 picks a free port); got "${values.port}".`);
  }
  return {
    port,
    host: values.host ?? '127.0.0.1',
    dataDir: values['data-dir'],
    open: values.open ?? false,
    noSample: values['no-sample'] ?? false,
  };
}

/** Opens the Electron app when its binary is installed; otherwise falls back to serve mode. */
async function start(args: string[]): Promise<void> {
  const electron = findElectron();
  if (electron) {
    const binding = await electronSqliteBinding(electron.version);
    const child = spawn(electron.binary, [packageRoot, ...args], {
      stdio: 'inherit',
      env: { ...process.env, SEGBENCH_SQLITE_BINDING: binding },
    });
    await new Promise<void>((resolve) =>
      child.on('exit', (code) => {
        process.exitCode = code ?? 0;
        resolve();
      }),
    );
    return;
  }
  console.log(
    'Electron is not installed here (its binary downloads during npm install, which needs access to GitHub),\n' +
      'so SegBench starts in serve mode: open the address below in your browser.\n',
  );
  const options = serveOptions(args);
  return serve({ ...options, open: true });
}

function findElectron(): { binary: string; version: string } | null {
  try {
    // The electron package exports the path of its binary when the download succeeded. It is an
    // optional dependency, so it is looked up at run time rather than imported.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const binary = require('electron') as unknown;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { version } = require('electron/package.json') as { version: string };
    return typeof binary === 'string' ? { binary, version } : null;
  } catch {
    return null;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ApiError) console.error(`segbench: ${error.message}`);
  else if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
    console.error(`segbench: ${error.message}\n\n${usage}`);
  } else console.error(error);
  process.exitCode = 1;
});
