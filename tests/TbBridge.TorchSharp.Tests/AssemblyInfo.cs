// Seeded runs (manual_seed, then a model and its data) share libtorch's one global generator: tests running side by
// side would draw from it in between and get another model. They run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
