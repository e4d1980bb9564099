/*
 * Kiln's declarations of the part of the PJRT C API it uses, written from the ABI facts (x86-64 layouts):
 * every args struct starts with struct_size and extension_start; functions live in a table of pointers after a
 * 40-byte header of PJRT_Api, slot i at offset 40 + 8*i. Structs are laid out to the newest layout Kiln knows;
 * plugins accept a struct_size larger than their own. JavaCPP turns this header into dev.kiln.tpu.pjrt.PjrtC.
 */
#ifndef KILN_PJRT_H
#define KILN_PJRT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <dlfcn.h>
#include <stdlib.h>

/* Opaque handles owned by the plugin. */
typedef struct PJRT_Error PJRT_Error;
typedef struct PJRT_Client PJRT_Client;
typedef struct PJRT_Device PJRT_Device;
typedef struct PJRT_DeviceDescription PJRT_DeviceDescription;
typedef struct PJRT_Memory PJRT_Memory;
typedef struct PJRT_Executable PJRT_Executable;
typedef struct PJRT_LoadedExecutable PJRT_LoadedExecutable;
typedef struct PJRT_Buffer PJRT_Buffer;
typedef struct PJRT_Event PJRT_Event;
typedef struct PJRT_Extension_Base PJRT_Extension_Base;
typedef struct PJRT_TopologyDescription PJRT_TopologyDescription;

/* The API table: header, then function pointer slots. */
typedef struct PJRT_Api_Version {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  int major_version;
  int minor_version;
} PJRT_Api_Version;

typedef struct PJRT_Api {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Api_Version pjrt_api_version;
} PJRT_Api;

/* Slot numbers of the functions Kiln calls (stable since API 0.33). */
enum KILN_PJRT_Slot {
  KILN_SLOT_Error_Destroy = 0,
  KILN_SLOT_Error_Message = 1,
  KILN_SLOT_Error_GetCode = 2,
  KILN_SLOT_Plugin_Initialize = 3,
  KILN_SLOT_Plugin_Attributes = 4,
  KILN_SLOT_Event_Destroy = 5,
  KILN_SLOT_Event_IsReady = 6,
  KILN_SLOT_Event_Await = 8,
  KILN_SLOT_Client_Create = 10,
  KILN_SLOT_Client_Destroy = 11,
  KILN_SLOT_Client_PlatformName = 12,
  KILN_SLOT_Client_AddressableDevices = 16,
  KILN_SLOT_Client_Compile = 20,
  KILN_SLOT_Client_BufferFromHostBuffer = 22,
  KILN_SLOT_DeviceDescription_Id = 23,
  KILN_SLOT_DeviceDescription_Kind = 26,
  KILN_SLOT_Device_GetDescription = 29,
  KILN_SLOT_Device_MemoryStats = 34,
  KILN_SLOT_Executable_Destroy = 40,
  KILN_SLOT_Executable_NumReplicas = 42,
  KILN_SLOT_Executable_NumOutputs = 44,
  KILN_SLOT_Executable_SizeOfGeneratedCodeInBytes = 45,
  KILN_SLOT_Executable_GetCostAnalysis = 46,
  KILN_SLOT_Executable_OptimizedProgram = 48,
  KILN_SLOT_Executable_Serialize = 49,
  KILN_SLOT_LoadedExecutable_Destroy = 50,
  KILN_SLOT_LoadedExecutable_GetExecutable = 51,
  KILN_SLOT_LoadedExecutable_AddressableDevices = 52,
  KILN_SLOT_LoadedExecutable_Execute = 55,
  KILN_SLOT_Executable_DeserializeAndLoad = 56,
  KILN_SLOT_Buffer_Destroy = 58,
  KILN_SLOT_Buffer_ElementType = 59,
  KILN_SLOT_Buffer_Dimensions = 60,
  KILN_SLOT_Buffer_ToHostBuffer = 70,
  KILN_SLOT_Buffer_ReadyEvent = 72,
  KILN_SLOT_TopologyDescription_Create = 82,
  KILN_SLOT_TopologyDescription_Destroy = 83,
  KILN_SLOT_TopologyDescription_PlatformName = 84,
  KILN_SLOT_TopologyDescription_GetDeviceDescriptions = 86,
  KILN_SLOT_Compile = 89,
  KILN_SLOT_Executable_GetCompiledMemoryStats = 96
};

/* Named values (plugin attributes, client create options). value holds the union's 8 bytes. */
typedef struct PJRT_NamedValue {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  const char* name;
  size_t name_size;
  int type; /* String 0, Int64 1, Int64List 2, Float 3, Bool 4 */
  int64_t value;
  size_t value_size;
} PJRT_NamedValue;

typedef struct PJRT_Error_Destroy_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Error* error;
} PJRT_Error_Destroy_Args;

typedef struct PJRT_Error_Message_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  const PJRT_Error* error;
  const char* message;
  size_t message_size;
} PJRT_Error_Message_Args;

typedef struct PJRT_Error_GetCode_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  const PJRT_Error* error;
  int code;
} PJRT_Error_GetCode_Args;

typedef struct PJRT_Plugin_Initialize_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
} PJRT_Plugin_Initialize_Args;

typedef struct PJRT_Plugin_Attributes_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  const PJRT_NamedValue* attributes;
  size_t num_attributes;
} PJRT_Plugin_Attributes_Args;

typedef struct PJRT_Event_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Event* event;
} PJRT_Event_Args;

typedef struct PJRT_Event_IsReady_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Event* event;
  bool is_ready;
} PJRT_Event_IsReady_Args;

typedef struct PJRT_Client_Create_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  const PJRT_NamedValue* create_options;
  size_t num_options;
  void* kv_get_callback;
  void* kv_get_user_arg;
  void* kv_put_callback;
  void* kv_put_user_arg;
  PJRT_Client* client;
  void* kv_try_get_callback;
  void* kv_try_get_user_arg;
} PJRT_Client_Create_Args;

typedef struct PJRT_Client_Destroy_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Client* client;
} PJRT_Client_Destroy_Args;

typedef struct PJRT_Client_PlatformName_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Client* client;
  const char* platform_name;
  size_t platform_name_size;
} PJRT_Client_PlatformName_Args;

typedef struct PJRT_Client_AddressableDevices_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Client* client;
  PJRT_Device** addressable_devices;
  size_t num_addressable_devices;
} PJRT_Client_AddressableDevices_Args;

typedef struct PJRT_Device_GetDescription_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Device* device;
  PJRT_DeviceDescription* device_description;
} PJRT_Device_GetDescription_Args;

/* Device memory statistics; fields after bytes_in_use are valid when their *_is_set flag is. */
typedef struct PJRT_Device_MemoryStats_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Device* device;
  int64_t bytes_in_use;
  int64_t peak_bytes_in_use;
  bool peak_bytes_in_use_is_set;
  int64_t num_allocs;
  bool num_allocs_is_set;
  int64_t largest_alloc_size;
  bool largest_alloc_size_is_set;
  int64_t bytes_limit;
  bool bytes_limit_is_set;
  int64_t bytes_reserved;
  bool bytes_reserved_is_set;
  int64_t peak_bytes_reserved;
  bool peak_bytes_reserved_is_set;
  int64_t bytes_reservable_limit;
  bool bytes_reservable_limit_is_set;
  int64_t largest_free_block_bytes;
  bool largest_free_block_bytes_is_set;
  int64_t pool_bytes;
  bool pool_bytes_is_set;
  int64_t peak_pool_bytes;
  bool peak_pool_bytes_is_set;
} PJRT_Device_MemoryStats_Args;

typedef struct PJRT_DeviceDescription_Id_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_DeviceDescription* device_description;
  int id;
} PJRT_DeviceDescription_Id_Args;

typedef struct PJRT_DeviceDescription_Kind_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_DeviceDescription* device_description;
  const char* device_kind;
  size_t device_kind_size;
} PJRT_DeviceDescription_Kind_Args;

typedef struct PJRT_Program {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  char* code;
  size_t code_size;
  const char* format;
  size_t format_size;
} PJRT_Program;

typedef struct PJRT_Client_Compile_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Client* client;
  const PJRT_Program* program;
  const char* compile_options;
  size_t compile_options_size;
  PJRT_LoadedExecutable* executable;
} PJRT_Client_Compile_Args;

typedef struct PJRT_Executable_Destroy_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Executable* executable;
} PJRT_Executable_Destroy_Args;

typedef struct PJRT_Executable_NumOutputs_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Executable* executable;
  size_t num_outputs;
} PJRT_Executable_NumOutputs_Args;

typedef struct PJRT_LoadedExecutable_Destroy_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_LoadedExecutable* executable;
} PJRT_LoadedExecutable_Destroy_Args;

typedef struct PJRT_LoadedExecutable_GetExecutable_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_LoadedExecutable* loaded_executable;
  PJRT_Executable* executable;
} PJRT_LoadedExecutable_GetExecutable_Args;

typedef struct PJRT_LoadedExecutable_AddressableDevices_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_LoadedExecutable* executable;
  PJRT_Device** addressable_devices;
  size_t num_addressable_devices;
} PJRT_LoadedExecutable_AddressableDevices_Args;

typedef struct PJRT_ExecuteOptions {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  void* send_callbacks;
  void* recv_callbacks;
  size_t num_send_ops;
  size_t num_recv_ops;
  int launch_id;
  const int64_t* non_donatable_input_indices;
  size_t num_non_donatable_input_indices;
  void* context;
  const char* call_location;
  size_t num_tasks;
  int* task_ids;
  int64_t* incarnation_ids;
  void* multi_slice_config;
} PJRT_ExecuteOptions;

typedef struct PJRT_LoadedExecutable_Execute_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_LoadedExecutable* executable;
  PJRT_ExecuteOptions* options;
  void* argument_lists;         /* PJRT_Buffer* const* const*: [num_devices][num_args] */
  size_t num_devices;
  size_t num_args;
  void* output_lists;           /* PJRT_Buffer** const*: [num_devices][num_outputs], filled by the plugin */
  void* device_complete_events; /* PJRT_Event**: NULL or num_devices entries */
  PJRT_Device* execute_device;
} PJRT_LoadedExecutable_Execute_Args;

typedef struct PJRT_Client_BufferFromHostBuffer_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Client* client;
  const void* data;
  int type;
  const int64_t* dims;
  size_t num_dims;
  const int64_t* byte_strides;
  size_t num_byte_strides;
  int host_buffer_semantics;
  PJRT_Device* device;
  PJRT_Memory* memory;
  void* device_layout;
  PJRT_Event* done_with_host_buffer;
  PJRT_Buffer* buffer;
} PJRT_Client_BufferFromHostBuffer_Args;

typedef struct PJRT_Buffer_Destroy_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Buffer* buffer;
} PJRT_Buffer_Destroy_Args;

typedef struct PJRT_Buffer_ElementType_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Buffer* buffer;
  int type;
} PJRT_Buffer_ElementType_Args;

typedef struct PJRT_Buffer_Dimensions_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Buffer* buffer;
  const int64_t* dims;
  size_t num_dims;
} PJRT_Buffer_Dimensions_Args;

typedef struct PJRT_Buffer_ToHostBuffer_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Buffer* src;
  void* host_layout;
  void* dst;
  size_t dst_size;
  PJRT_Event* event;
} PJRT_Buffer_ToHostBuffer_Args;

typedef struct PJRT_Buffer_ReadyEvent_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Buffer* buffer;
  PJRT_Event* event;
} PJRT_Buffer_ReadyEvent_Args;

/* Ahead-of-time compilation for a topology (no device, no client): slots 82-89 and the executable queries. */
typedef struct PJRT_TopologyDescription_Create_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  const char* topology_name;
  size_t topology_name_size;
  const PJRT_NamedValue* create_options;
  size_t num_options;
  PJRT_TopologyDescription* topology;
} PJRT_TopologyDescription_Create_Args;

typedef struct PJRT_TopologyDescription_Destroy_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_TopologyDescription* topology;
} PJRT_TopologyDescription_Destroy_Args;

typedef struct PJRT_TopologyDescription_PlatformName_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_TopologyDescription* topology;
  const char* platform_name;
  size_t platform_name_size;
} PJRT_TopologyDescription_PlatformName_Args;

typedef struct PJRT_TopologyDescription_GetDeviceDescriptions_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_TopologyDescription* topology;
  PJRT_DeviceDescription* const* descriptions;
  size_t num_descriptions;
} PJRT_TopologyDescription_GetDeviceDescriptions_Args;

typedef struct PJRT_Compile_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  const PJRT_TopologyDescription* topology;
  const PJRT_Program* program;
  const char* compile_options;
  size_t compile_options_size;
  PJRT_Client* client;
  PJRT_Executable* executable;
} PJRT_Compile_Args;

/* NumReplicas, SizeOfGeneratedCodeInBytes: one 8-byte result after the executable. */
typedef struct PJRT_Executable_Count_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Executable* executable;
  int64_t value;
} PJRT_Executable_Count_Args;

typedef struct PJRT_Executable_GetCostAnalysis_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Executable* executable;
  size_t num_properties;
  const PJRT_NamedValue* properties;
} PJRT_Executable_GetCostAnalysis_Args;

typedef struct PJRT_Executable_OptimizedProgram_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Executable* executable;
  PJRT_Program* program;
} PJRT_Executable_OptimizedProgram_Args;

/* The serialized form of an executable; serialized_bytes lives until the deleter is called on its owner. */
typedef struct PJRT_Executable_Serialize_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Executable* executable;
  const char* serialized_bytes;
  size_t serialized_bytes_size;
  void* serialized_executable;
  void* serialized_executable_deleter; /* void (*)(void*) */
} PJRT_Executable_Serialize_Args;

typedef struct PJRT_Executable_DeserializeAndLoad_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Client* client;
  const char* serialized_executable;
  size_t serialized_executable_size;
  PJRT_LoadedExecutable* loaded_executable;
  const char* overridden_serialized_compile_options; /* NULL: the options it was compiled with */
  size_t overridden_serialized_compile_options_size;
  void* load_options;
} PJRT_Executable_DeserializeAndLoad_Args;

/* What running an executable takes on the device: XLA's CompiledMemoryStats (peak and total where the plugin has them). */
typedef struct PJRT_Executable_GetCompiledMemoryStats_Args {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Executable* executable;
  int64_t generated_code_size_in_bytes;
  int64_t argument_size_in_bytes;
  int64_t output_size_in_bytes;
  int64_t alias_size_in_bytes;
  int64_t temp_size_in_bytes;
  int64_t host_generated_code_size_in_bytes;
  int64_t host_argument_size_in_bytes;
  int64_t host_output_size_in_bytes;
  int64_t host_alias_size_in_bytes;
  int64_t host_temp_size_in_bytes;
  int64_t peak_memory_in_bytes;
  int64_t total_size_in_bytes;
} PJRT_Executable_GetCompiledMemoryStats_Args;

/* Frees what PJRT_Executable_Serialize returned, through the deleter it gave. */
static inline void kiln_free_serialized(PJRT_Executable_Serialize_Args* a) {
  if (a->serialized_executable_deleter != NULL) {
    ((void (*)(void*)) a->serialized_executable_deleter)(a->serialized_executable);
  }
}

/* Sets an environment variable in this process (libtpu reads TPU_* settings when it initializes). */
static inline int kiln_setenv(const char* name, const char* value) {
  return setenv(name, value, 1);
}

/* Loads a plugin library and returns its API table, or NULL (see kiln_dlerror). */
static inline const PJRT_Api* kiln_load_plugin(const char* path) {
  void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL) return NULL;
  const PJRT_Api* (*get)(void) = (const PJRT_Api* (*)(void)) dlsym(handle, "GetPjrtApi");
  if (get == NULL) return NULL;
  return get();
}

/* The last dynamic-loader error message, or NULL. */
static inline const char* kiln_dlerror(void) {
  return dlerror();
}

/* Whether the table has slot i. */
static inline bool kiln_has_slot(const PJRT_Api* api, int slot) {
  return api->struct_size >= (size_t) (40 + 8 * (slot + 1));
}

/*
 * Calls function slot i with its args struct. Every PJRT function Kiln uses takes one args pointer; all but
 * Error_Destroy and Error_Message return a PJRT_Error* (NULL on success).
 */
static inline PJRT_Error* kiln_call(const PJRT_Api* api, int slot, void* args) {
  void* const* table = (void* const*) ((const char*) api + 40);
  PJRT_Error* (*fn)(void*) = (PJRT_Error* (*)(void*)) table[slot];
  return fn(args);
}

static inline void kiln_call_void(const PJRT_Api* api, int slot, void* args) {
  void* const* table = (void* const*) ((const char*) api + 40);
  void (*fn)(void*) = (void (*)(void*)) table[slot];
  fn(args);
}

#endif
