# examples/plugin/walkthrough.sh: YouTube spam from records to a report (from the repository's
# root, after scripts/quickstart.sh; the records are the project's shared benchmark data)
export PATH="$PWD/build/src/cli:$PATH"      # or install: cmake --install build
LFS=build/examples/plugin/spam_lfs.so        # examples/plugin/spam_lfs.c, 11 LFs
D=../shared/data/youtube                     # texts_*.jsonl: {"text": ..., "label": ...}
wsl apply --lfs $LFS $D/texts_train.jsonl -o L_train.csv --names-out lfs.txt -j 2
wsl apply --lfs $LFS $D/texts_test.jsonl -o L_test.csv
wsl analyze L_train.csv --names lfs.txt       # coverage, overlaps, conflicts per LF
wsl fit L_train.csv -k 2 -o model.json        # learns each LF's accuracy, no labels used
wsl predict model.json L_test.csv -o probs_test.csv
wsl eval probs_test.csv $D/y_test.csv --metric acc
wsl report L_test.csv --model model.json --gold $D/y_test.csv --names lfs.txt -o report.html
wsl predict model.json L_train.csv -o probs_train.csv
wsl train --probs probs_train.csv --records $D/texts_train.jsonl --text-field text \
          --votes L_train.csv -o end.json    # the end model, on the comments' words
wsl classify end.json $D/texts_test.jsonl --text-field text -o end_probs.csv
wsl eval end_probs.csv $D/y_test.csv --metric acc
