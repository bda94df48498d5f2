import workerpool from 'workerpool';

workerpool.worker({ inc: (x) => x + 1 });
