export default function inc(x) {
  return x + 1;
}
