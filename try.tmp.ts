import { createMemoryClient } from './src-main/ipc/memory-transport';
import { testServices } from './tests/helpers/services';
(async () => {
  const s = testServices(); const api = createMemoryClient(s);
  const t0 = Date.now();
  const ds = await api.invoke('datasets:import', { name: 'dubai', imagesDir: '../shared/data/dubai-aerial/images', masksDir: '../shared/data/dubai-aerial/masks' });
  await s.jobs.whenIdle();
  console.log('took', Date.now() - t0, 'ms');
  const d = await api.invoke('datasets:get', { datasetId: ds.id });
  console.log(d.state, d.imageCount, d.indexedCount, d.problemCount, d.maskKind, d.preset, d.classes.map(c => c.name).join(','));
  console.log(d.values.map(v => [v.value.toString(16), v.pixels, v.images, v.classIndex, v.exampleImages.slice(0,3)]));
  console.log(d.splitCounts, d.unknownPixels);
  const st = await api.invoke('datasets:stats', { datasetId: ds.id });
  console.log(st.splits.map(sp => [sp.split, sp.images, sp.imbalanceRatio?.toFixed(2), sp.classes.map(c => c.share.toFixed(3)).join(' ')]));
  const list = await api.invoke('datasets:images', { datasetId: ds.id, classIndex: 4, minShare: 0.2, sort: 'share' });
  console.log(list.total, list.items.slice(0, 3));
  await s.close();
})();
