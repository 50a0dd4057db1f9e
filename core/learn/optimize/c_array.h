// C array export of a model for microcontrollers, as `xxd -i model.tflite`
// gives it but 16-byte aligned (TFLite Micro reads tensors in place and needs
// the model's buffers aligned) and with a header:
//
//   model_int8.h:  #ifndef MODEL_INT8_H ... extern "C"-friendly declarations
//                    extern const unsigned char model_int8_tflite[];
//                    extern const unsigned int model_int8_tflite_len;
//   model_int8.cc/.c (C and C++ both compile it):
//                    #include "model_int8.h"
//                    alignas(16) const unsigned char model_int8_tflite[] = {0x1c, ...};
//                    const unsigned int model_int8_tflite_len = 2304;
// In C (before C11's alignas macro) the source uses _Alignas through a small
// EDGE_ALIGNAS macro, so the same text compiles as C11, C++11 and later.
//
// Names: c_identifier() turns a file name into the array name the way xxd does
// (every character that is not a letter or digit becomes '_'; a leading digit
// gets a '_' prefix, which xxd omits but C requires).
// Thread safety: pure functions; write_c_array writes two files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace edge::optimize {

std::string c_identifier(const std::string& file_name);

struct CArray {
  std::string header;  // text of the .h
  std::string source;  // text of the .c/.cc
};

// name: the array name (a C identifier; throws edge::Error otherwise);
// header_name: how the source includes the header ("model_int8.h").
CArray make_c_array(const std::vector<uint8_t>& bytes, const std::string& name,
                    const std::string& header_name);

// Writes <dir>/<base>.h and <dir>/<base><source_ext> (".cc" or ".c") for the
// bytes, with the array named c_identifier(array_file_name). Throws
// edge::Error naming the path when a file cannot be written.
void write_c_array(const std::vector<uint8_t>& bytes, const std::string& array_file_name,
                   const std::string& dir, const std::string& base,
                   const std::string& source_ext = ".cc");

}  // namespace edge::optimize
