export function App() {
  return (
    <main>
      <h1>gmemscope</h1>
    </main>
  );
}

export default App;
