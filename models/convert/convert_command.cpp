#include "convert_command.h"

#include "convert_args.h"

#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

#include "ct2_import.h"
#include "embed_command.h"
#include "ggml_import.h"
#include "file_safety.h"
#include "model_tokenizer.h"
#include "synth_command.h"
#include "xattn/tensor_id.h"
#include "xattn_import.h"
#include "xattn_writer.h"

namespace xattn {
namespace convert {
namespace {

const char kUsage[] =
    "usage: convert ct2 DIR -o FILE [--weights f32|int8|int4] [--activation-rounding nearest|floor]"
    " [--text tokens|characters] [--layout packed|row-major]\n"
    "         [--tokenizer T | --source-tokenizer T --target-tokenizer T]\n"
    "         (T: FILE.model or spm:FILE, FILE.tiktoken or tiktoken:FILE, bpe:vocab.json+merges.txt)\n"
    "       convert ggml FILE.bin -o FILE [--weights f32|int8|int4] [--layout packed|row-major]"
    " (whisper.cpp Whisper; tensors f32, f16, q8_0)\n"
    "         [--vocabulary TOKENS.txt [--text characters|tokens]] (a Whisper trained with its own output tokens,\n"
    "         one per line, id = line number, <|endoftext|> and <|startoftranscript|> among them; text: characters)\n"
    "       convert xattn FILE.xattn -o FILE [--weights f32|int8|int4] [--layout packed|row-major]"
    " [--activation-rounding nearest|floor] [--text tokens|characters]\n"
    "         (an xattn model again, e.g. float32 weights quantized to int4; vocabularies and tokenizers kept)\n"
    "       convert synth --preset P [--weights f32|int8|int4] [--seed S] [--layout packed|row-major] -o FILE\n"
    "       convert embed MODEL.xattn -o OUT.c [options]   (a model as a C array for firmware: convert embed --help)";

struct Arguments {
  std::string format;
  std::string input;
  std::string output;
  WeightType weights = WeightType::kFloat32;
  bool set_rounding = false;  // default: as CTranslate2 runs the file (see ct2_import.cpp)
  Rounding rounding = Rounding::kNearestEven;
  TextMode text = TextMode::kSpaceSeparated;
  bool set_text = false;
  std::string vocabulary;  // ggml: the model's own output tokens instead of Whisper's
  bool pack_weights = true;  // linear weights in format layouts 1 (int8) and 2 (float32)
  bool help = false;
  std::string tokenizer;         // both sides
  std::string source_tokenizer;  // or one per side
  std::string target_tokenizer;
};

std::string parse_arguments(int argc, char** argv, Arguments* a) {
  std::string weights;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i] ? argv[i] : "";
    if (arg == "-h" || arg == "--help") {
      a->help = true;
    } else if (arg == "-o" || arg == "--output") {
      if (i + 1 >= argc) return arg + " needs a file name";
      a->output = argv[++i];
      // "-o --weights int8": the option was taken as the name; ./-name writes such a file.
      if (a->output.empty() || a->output[0] == '-') return arg + " needs a file name, got '" + a->output + "'";
    } else if (arg == "--weights") {
      if (i + 1 >= argc) return "--weights needs f32, int8 or int4";
      weights = argv[++i];
    } else if (arg.rfind("--weights=", 0) == 0) {
      weights = arg.substr(10);
    } else if (arg == "--activation-rounding") {
      if (i + 1 >= argc) return "--activation-rounding needs nearest or floor";
      const std::string mode = argv[++i];
      if (mode != "nearest" && mode != "floor") return "--activation-rounding must be nearest or floor, not '" + mode + "'";
      a->rounding = mode == "floor" ? Rounding::kFloor : Rounding::kNearestEven;
      a->set_rounding = true;
    } else if (arg == "--text") {
      if (i + 1 >= argc) return "--text needs tokens or characters";
      const std::string mode = argv[++i];
      if (mode != "tokens" && mode != "characters") return "--text must be tokens or characters, not '" + mode + "'";
      a->text = mode == "characters" ? TextMode::kCharacters : TextMode::kSpaceSeparated;
      a->set_text = true;
    } else if (arg == "--vocabulary") {
      if (i + 1 >= argc || argv[i + 1][0] == '\0') return "--vocabulary needs a file (one token per line)";
      a->vocabulary = argv[++i];
    } else if (arg == "--layout") {
      if (i + 1 >= argc) return "--layout needs packed or row-major";
      const std::string layout = argv[++i];
      if (layout != "packed" && layout != "row-major") return "--layout must be packed or row-major, not '" + layout + "'";
      a->pack_weights = layout == "packed";
    } else if (arg == "--tokenizer" || arg == "--source-tokenizer" || arg == "--target-tokenizer") {
      if (i + 1 >= argc) return arg + " needs a tokenizer (FILE.model, tiktoken:FILE, bpe:vocab.json+merges.txt)";
      std::string& slot = arg == "--tokenizer" ? a->tokenizer : arg == "--source-tokenizer" ? a->source_tokenizer
                                                                                              : a->target_tokenizer;
      slot = argv[++i];
      if (slot.empty()) return arg + " needs a tokenizer (FILE.model, tiktoken:FILE, bpe:vocab.json+merges.txt)";
    } else if (!arg.empty() && arg[0] == '-') {
      return "unknown option " + arg;
    } else if (a->format.empty()) {
      a->format = arg;
    } else if (a->input.empty()) {
      a->input = arg;
    } else {
      return "unexpected argument " + arg;
    }
  }
  if (a->help) return "";
  if (a->format.empty()) return "missing the input format (ct2, ggml, xattn)";
  if (a->format != "ct2" && a->format != "ggml" && a->format != "xattn")
    return "unknown input format '" + a->format + "' (supported: ct2, ggml, xattn)";
  if (a->input.empty()) return a->format == "ct2" ? "missing the input directory" : "missing the input file";
  if (a->format == "xattn" && (!a->vocabulary.empty() || !a->tokenizer.empty() || !a->source_tokenizer.empty() ||
                               !a->target_tokenizer.empty()))
    return "an xattn file keeps its vocabularies and tokenizers: no --vocabulary or --tokenizer";
  if (a->format == "ggml" && (!a->tokenizer.empty() || !a->source_tokenizer.empty() || !a->target_tokenizer.empty()))
    return "a ggml file brings its own vocabulary and tokenizer: no --tokenizer";
  if (a->format == "ct2" && !a->vocabulary.empty())
    return "a CTranslate2 directory brings its own vocabularies: --vocabulary is for ggml files";
  // A model's own small vocabulary is one character per token (models/datespeech) unless told.
  if (!a->vocabulary.empty() && !a->set_text) a->text = TextMode::kCharacters;
  if (a->output.empty()) return "missing -o FILE";
  if (!a->tokenizer.empty() && (!a->source_tokenizer.empty() || !a->target_tokenizer.empty())) {
    return "--tokenizer (both sides) and --source-tokenizer/--target-tokenizer exclude each other";
  }
  if (a->source_tokenizer.empty() != a->target_tokenizer.empty()) {
    return "--source-tokenizer and --target-tokenizer go together (one tokenizer for both: --tokenizer)";
  }
  if (weights == "int8") {
    a->weights = WeightType::kInt8;
  } else if (weights == "int4") {
    a->weights = WeightType::kInt4;
    if (!a->pack_weights) return "--weights int4 has one layout (groups of 32, FORMAT.md layout 3): not with --layout row-major";
  } else if (weights.empty() || weights == "f32" || weights == "float32") {
    a->weights = WeightType::kFloat32;
  } else {
    return "--weights must be f32, int8 or int4, not '" + weights + "'";
  }
  return "";
}

// The files a tokenizer argument may name ("spm:F", "tiktoken:F", "bpe:V+M",
// or a bare path), for the output check: -o must not overwrite one of them.
// Candidates that name no file are harmless there.
void add_tokenizer_files(const std::string& arg, std::vector<std::string>* files) {
  if (arg.empty()) return;
  const size_t colon = arg.find(':');
  const std::string path = colon == std::string::npos ? arg : arg.substr(colon + 1);
  files->push_back(arg);
  files->push_back(path);
  const size_t plus = path.rfind('+');
  if (plus != std::string::npos) {
    files->push_back(path.substr(0, plus));
    files->push_back(path.substr(plus + 1));
  }
}

HostTensor blob_tensor(GlobalRole role, std::vector<uint8_t> blob) {
  HostTensor t;
  t.id = global_id(role);
  t.dtype = format::DType::kUInt8;
  t.rows = static_cast<uint32_t>(blob.size());
  t.cols = 1;
  t.blob = std::move(blob);
  return t;
}

// Builds the tokenizer blob(s) the arguments name and adds them to the
// model: one "tokenizer" blob when one tokenizer serves sides with the same
// vocabulary (or the only token side: Whisper's decoder), else a source
// "tokenizer" and a "target_tokenizer", each mapped to its own vocabulary.
std::string add_tokenizers(const Arguments& a, XattnModelContents* model) {
  if (a.tokenizer.empty() && a.source_tokenizer.empty()) return "";
  ModelConfig& c = model->config;
  const bool audio = c.encoder_input == EncoderInput::kAudio;
  const std::string& source_arg = a.tokenizer.empty() ? a.source_tokenizer : a.tokenizer;
  const std::string& target_arg = a.tokenizer.empty() ? a.target_tokenizer : a.tokenizer;
  if (audio && a.tokenizer.empty()) return "an audio model has one tokenizer (the decoder's): use --tokenizer";
  TokenizerSpec source_spec, target_spec;
  std::string error = read_tokenizer_argument(source_arg, &source_spec);
  if (error.empty()) error = read_tokenizer_argument(target_arg, &target_spec);
  if (!error.empty()) return error;
  std::vector<uint8_t> source_blob, target_blob;
  const bool one_blob = audio || (source_arg == target_arg && model->source_vocab == model->target_vocab);
  if (audio) {
    error = build_model_tokenizer(target_spec, model->target_vocab, "target", &source_blob);
  } else {
    error = build_model_tokenizer(source_spec, model->source_vocab, "source", &source_blob);
    if (error.empty() && !one_blob) {
      error = build_model_tokenizer(target_spec, model->target_vocab, "target", &target_blob);
    }
  }
  if (!error.empty()) return error;
  c.has_tokenizer = true;
  c.tokenizer_bytes = static_cast<uint32_t>(source_blob.size());
  c.target_tokenizer_bytes = static_cast<uint32_t>(target_blob.size());
  model->tensors.push_back(blob_tensor(GlobalRole::kTokenizer, std::move(source_blob)));
  if (!one_blob) model->tensors.push_back(blob_tensor(GlobalRole::kTargetTokenizer, std::move(target_blob)));
  return "";
}

int run(int argc, char** argv, std::ostream& out, std::ostream& err) {
  const auto start = std::chrono::steady_clock::now();
  Arguments args;
  const std::string usage_error = parse_arguments(argc, argv, &args);
  if (args.help) {
    out << kUsage << "\n";
    return 0;
  }
  if (!usage_error.empty()) {
    err << "convert: " << usage_error << " (see xattn convert --help)\n";  // one line, always
    return 2;
  }
  // Refused before the (long) import: an output that would replace a device or an input.
  std::vector<std::string> inputs = {args.input};
  if (!args.vocabulary.empty()) inputs.push_back(args.vocabulary);
  for (const std::string* t : {&args.tokenizer, &args.source_tokenizer, &args.target_tokenizer}) {
    add_tokenizer_files(*t, &inputs);
  }
  std::string error = refuse_output(args.output, inputs);
  if (!error.empty()) {
    err << "convert: " << error << "\n";
    return 1;
  }
  ImportResult imported;
  error = args.format == "ggml"    ? import_ggml_file(args.input, args.weights, &imported, args.vocabulary)
          : args.format == "xattn" ? import_xattn_file(args.input, args.weights, &imported)
                                   : import_ct2_directory(args.input, args.weights, &imported);
  std::vector<uint8_t> bytes;
  if (args.set_rounding) imported.model.config.activation_rounding = args.rounding;
  // How text becomes tokens travels with the model (an xattn input keeps its own unless told).
  if (args.format != "xattn" || args.set_text) imported.model.config.text_mode = args.text;
  imported.model.pack_weights = args.pack_weights;
  if (error.empty()) error = add_tokenizers(args, &imported.model);
  if (error.empty()) error = write_xattn_model(imported.model, &bytes);
  if (error.empty()) {
    error = write_file_safely(args.output, std::string(bytes.begin(), bytes.end()), inputs);
  }
  if (!error.empty()) {
    err << "convert: " << error << "\n";
    return 1;
  }
  for (const std::string& warning : imported.warnings) err << "convert: warning: " << warning << "\n";
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  char time[32];
  std::snprintf(time, sizeof time, "%.1f ms", ms);
  out << "converted " << args.input << " -> " << args.output << ": " << imported.model.tensors.size()
      << " tensors, " << bytes.size() << " bytes, "
      << weight_type_name(args.weights) << " weights, " << time << "\n";
  return 0;
}

}  // namespace

int run_convert(int argc, char** argv, std::ostream& out, std::ostream& err) {
  try {
    std::vector<std::string> words;
    const std::string error = normalize_convert_args(argc, argv, &words);
    if (!error.empty()) {
      err << "convert: " << error << "\n";
      return 2;
    }
    std::vector<char*> pointers;
    for (std::string& w : words) pointers.push_back(&w[0]);
    pointers.push_back(nullptr);
    argc = static_cast<int>(words.size());
    argv = pointers.data();
    if (argc > 1 && argv[1] && std::string(argv[1]) == "synth") return run_synth(argc, argv, out, err);
    if (argc > 1 && argv[1] && std::string(argv[1]) == "embed") return run_embed(argc, argv, out, err);
    return run(argc, argv, out, err);
  } catch (const std::exception& e) {  // e.g. out of memory on a huge model
    err << "convert: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace convert
}  // namespace xattn
