import { Empty } from '../../components/States';

export function ObservableTypes() {
  return <Empty title="Coming soon." />;
}
