// A bare Express route in its own process: the yardstick the instance bench divides by. Prints its port.
// Plain JavaScript, so it runs on node alone, as the instances' build does.
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.get('/bare', (_req, res) => void res.send('ok'));
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`bare express listening on ${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
